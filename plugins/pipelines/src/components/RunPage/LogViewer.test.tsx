import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type {
  PipelineLogLine,
  PipelineRun,
} from '@internal/plugin-pipelines-common';
import { LogModel } from './LogModel';
import { LogViewer } from './LogViewer';

const run: PipelineRun = {
  provider: 'comet',
  runId: 'run-1',
  entityRef: 'component:default/payments-api',
  pipeline: 'build-and-test',
  status: 'failed',
  trigger: { type: 'manual' },
  params: {},
  createdAt: '2026-11-26T10:00:00.000Z',
  links: [],
  jobs: [
    {
      jobRunId: 'build',
      jobId: 'build',
      name: 'build',
      needs: [],
      status: 'failed',
      attempt: 1,
      steps: [
        { stepIndex: 0, name: 'Build', status: 'succeeded' },
        { stepIndex: 1, name: 'Test', status: 'failed', exitCode: 1 },
      ],
    },
  ],
};

function lines(count: number, text: (i: number) => string, stepIndex = 0) {
  return Array.from(
    { length: count },
    (_, i): PipelineLogLine => ({
      seq: i,
      jobRunId: 'build',
      stepIndex,
      stream: 'stdout',
      timestamp: '2026-11-26T10:00:01.000Z',
      text: text(i),
    }),
  );
}

// Rendering a themed app under jsdom is slow on a shared CI machine
jest.setTimeout(30_000);

describe('LogViewer', () => {
  it('renders only a window of 200,000 lines', async () => {
    const model = new LogModel();
    model.append(lines(200_000, i => `line number ${i}`));
    await renderInTestApp(
      <LogViewer
        model={model}
        version={model.version}
        run={run}
        live={false}
      />,
    );
    expect(screen.getByText('200,000 lines')).toBeInTheDocument();
    const viewport = screen.getByRole('region', { name: 'Run log' });
    expect(within(viewport).getByText('line number 0')).toBeInTheDocument();
    expect(within(viewport).queryByText('line number 150000')).toBeNull();
    const rendered = viewport.querySelectorAll('[data-seq]').length;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(120);
    // Scrolling moves the window
    viewport.scrollTop = 100_000 * 20;
    fireEvent.scroll(viewport);
    expect(
      await within(viewport).findByText('line number 99999'),
    ).toBeInTheDocument();
    expect(within(viewport).queryByText('line number 0')).toBeNull();
  });

  it('renders ANSI colours as styled text, never as markup', async () => {
    const model = new LogModel();
    model.append(
      lines(2, i =>
        i === 0
          ? '\u001b[31mred error\u001b[0m and plain'
          : '<img src=x onerror=alert(1)>',
      ),
    );
    await renderInTestApp(
      <LogViewer
        model={model}
        version={model.version}
        run={run}
        live={false}
      />,
    );
    const red = screen.getByText('red error');
    expect(red.tagName).toBe('SPAN');
    expect(red).toHaveStyle({ color: '#f47067' });
    expect(screen.getByText(/and plain/)).toBeInTheDocument();
    expect(
      screen.getByText('<img src=x onerror=alert(1)>'),
    ).toBeInTheDocument();
    expect(document.querySelector('img')).toBeNull();
  });

  it('searches, counts and highlights matches', async () => {
    const model = new LogModel();
    model.append(
      // 30 lines: all inside the rendered window (560 px of rows plus the overscan)
      lines(30, i => (i % 6 === 3 ? `ERROR at step ${i}` : `ok ${i}`)),
    );
    await renderInTestApp(
      <LogViewer
        model={model}
        version={model.version}
        run={run}
        live={false}
      />,
    );
    fireEvent.change(screen.getByLabelText('Search log'), {
      target: { value: 'error' },
    });
    expect(await screen.findByText('1 of 5 matches')).toBeInTheDocument();
    const marks = document.querySelectorAll('mark');
    expect(marks.length).toBe(5);
    expect(marks[0].textContent).toBe('ERROR');
    fireEvent.keyDown(screen.getByLabelText('Search log'), { key: 'Enter' });
    expect(await screen.findByText('2 of 5 matches')).toBeInTheDocument();
  });

  it('groups lines by step, collapses a step and links each line', async () => {
    const model = new LogModel();
    model.append(lines(3, i => `build output ${i}`, 0));
    model.append(
      lines(2, i => `test output ${i}`, 1).map(l => ({ ...l, seq: l.seq + 3 })),
    );
    await renderInTestApp(
      <LogViewer
        model={model}
        version={model.version}
        run={run}
        failingKey={'build\u00001'}
        live={false}
      />,
    );
    const testStep = screen.getByRole('button', { name: /build › Test/ });
    expect(testStep).toHaveAttribute('aria-expanded', 'true');
    expect(within(testStep).getByText('Failing step')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Line 4' })).toHaveAttribute(
      'href',
      '#L4',
    );
    fireEvent.click(testStep);
    await waitFor(() => expect(screen.queryByText('test output 1')).toBeNull());
    expect(screen.getByText('build output 2')).toBeInTheDocument();
  });
});
