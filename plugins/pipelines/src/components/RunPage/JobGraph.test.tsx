import { fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { JobGraph, JobGraphNode } from './JobGraph';

// Rendering a themed app under jsdom is slow on a shared CI machine
jest.setTimeout(30_000);

// The run of examples/projects/product-catalog's `ci`: a matrix of four test instances
// between install and package, as the engine plans it
const testInstance = (shard: string, mode: string): JobGraphNode => ({
  id: `test (shard=${shard}, mode=${mode})`,
  name: `test (${shard}, ${mode})`,
  needs: ['install'],
  status: 'succeeded',
});
const matrix = [
  testInstance('1', 'default'),
  testInstance('1', 'strict'),
  testInstance('2', 'default'),
  testInstance('2', 'strict'),
];
const nodes: JobGraphNode[] = [
  { id: 'install', name: 'install', needs: [], status: 'succeeded' },
  { id: 'lint', name: 'lint', needs: ['install'], status: 'succeeded' },
  ...matrix,
  {
    id: 'package',
    name: 'package',
    needs: ['lint', ...matrix.map(m => m.id)],
    status: 'running',
  },
];

describe('JobGraph', () => {
  it('shows every matrix instance as a job of its own, named by its values', async () => {
    await renderInTestApp(<JobGraph nodes={nodes} label="Job graph" />);
    const graph = screen.getByRole('group', { name: 'Job graph' });
    const jobs = within(graph).getAllByRole('button');
    expect(jobs.map(job => job.getAttribute('data-job'))).toEqual(
      nodes.map(n => n.id),
    );
    for (const name of [
      'test (1, default)',
      'test (1, strict)',
      'test (2, default)',
      'test (2, strict)',
    ]) {
      expect(
        within(graph).getByRole('button', {
          name: new RegExp(`^${name.replace(/[()]/g, '\\$&')} Succeeded`),
        }),
      ).toBeInTheDocument();
    }
    expect(
      within(graph).getByRole('button', { name: /^package Running/ }),
    ).toBeInTheDocument();
  });

  it('draws an arrow for each need and names the needs of each job', async () => {
    await renderInTestApp(<JobGraph nodes={nodes} label="Job graph" />);
    const graph = screen.getByRole('group', { name: 'Job graph' });
    const edges = [...graph.querySelectorAll('path[data-edge]')].map(edge =>
      edge.getAttribute('data-edge'),
    );
    expect(edges.sort()).toEqual(
      [
        'install -> lint',
        ...matrix.map(m => `install -> ${m.id}`),
        'lint -> package',
        ...matrix.map(m => `${m.id} -> package`),
      ].sort(),
    );
    // The arrows are for the eye; assistive technology reads the needs from each job
    expect(graph.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
    expect(
      within(graph).getByRole('button', { name: /^package/ }),
    ).toHaveAccessibleDescription(
      'Needs lint, test (1, default), test (1, strict), test (2, default), test (2, strict)',
    );
    expect(
      within(graph).getByRole('button', { name: /^test \(2, strict\)/ }),
    ).toHaveAccessibleDescription('Needs install');
    expect(
      within(graph).getByRole('button', { name: /^install/ }),
    ).not.toHaveAttribute('aria-describedby');
  });

  it('places a job one column right of the deepest job it needs', async () => {
    await renderInTestApp(<JobGraph nodes={nodes} label="Job graph" />);
    const left = (id: string) =>
      parseFloat(
        (document.querySelector(`[data-job="${id}"]`) as HTMLElement).style
          .left,
      );
    expect(left('install')).toBe(0);
    expect(left('lint')).toBeGreaterThan(0);
    for (const m of matrix) expect(left(m.id)).toBe(left('lint'));
    expect(left('package')).toBeGreaterThan(left('lint'));
  });

  it('ignores a need that is not in the graph and reports the selected job', async () => {
    const onSelect = jest.fn();
    await renderInTestApp(
      <JobGraph
        nodes={[{ id: 'deploy', name: 'deploy', needs: ['gone'] }]}
        label="Job graph"
        selected="deploy"
        onSelect={onSelect}
      />,
    );
    const deploy = screen.getByRole('button', { name: 'deploy' });
    expect(deploy).toHaveAttribute('aria-pressed', 'true');
    expect(deploy).not.toHaveAttribute('aria-describedby');
    expect(document.querySelectorAll('path[data-edge]')).toHaveLength(0);
    fireEvent.click(deploy);
    expect(onSelect).toHaveBeenCalledWith('deploy');
  });
});
