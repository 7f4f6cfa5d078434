import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { useState } from 'react';
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

/** Renders the viewer around a model that the test can add lines to, like the run page does. */
async function renderLive(
  model: LogModel,
  props: { live: boolean; onDownload?: () => void },
) {
  let appendLines: (added: PipelineLogLine[]) => void = () => undefined;
  function Harness() {
    const [version, setVersion] = useState(model.version);
    appendLines = added => {
      model.append(added);
      setVersion(model.version);
    };
    return (
      <LogViewer
        model={model}
        version={version}
        run={{ ...run, status: props.live ? 'running' : 'failed' }}
        live={props.live}
        onDownload={props.onDownload}
      />
    );
  }
  await renderInTestApp(<Harness />);
  return {
    viewport: screen.getByRole('region', { name: 'Run log' }),
    append: (added: PipelineLogLine[]) => act(() => appendLines(added)),
  };
}

const from = (first: number, added: PipelineLogLine[]) =>
  added.map(l => ({ ...l, seq: l.seq + first, text: `line ${l.seq + first}` }));

describe('LogViewer tools', () => {
  // jsdom lays nothing out: the log's height is that of its inner box of rows
  const scrollHeight = Object.getOwnPropertyDescriptor(
    HTMLElement.prototype,
    'scrollHeight',
  );
  beforeAll(() => {
    Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
      configurable: true,
      get(this: HTMLElement) {
        const inner = this.firstElementChild as HTMLElement | null;
        return parseFloat(inner?.style.height ?? '') || 0;
      },
    });
  });
  afterAll(() => {
    if (scrollHeight) {
      Object.defineProperty(
        HTMLElement.prototype,
        'scrollHeight',
        scrollHeight,
      );
    }
  });
  afterEach(() => window.history.replaceState(null, '', '/'));

  it('follows new lines of a live run until the user scrolls up', async () => {
    const model = new LogModel();
    model.append(lines(100, i => `line ${i}`));
    const { viewport, append } = await renderLive(model, { live: true });
    const follow = screen.getByRole('checkbox', { name: 'Follow' });
    expect(follow).toBeChecked();
    // One step header and 100 lines, 20 px each: at the bottom
    expect(viewport.scrollTop).toBe(101 * 20);
    expect(within(viewport).getByText('line 99')).toBeInTheDocument();
    expect(within(viewport).queryByText('line 0')).toBeNull();

    await append(
      from(
        100,
        lines(100, i => `${i}`),
      ),
    );
    expect(viewport.scrollTop).toBe(201 * 20);
    expect(await within(viewport).findByText('line 199')).toBeInTheDocument();
    expect(screen.getByText('200 lines')).toBeInTheDocument();

    // The browser reports the viewer's own scroll, then the user scrolls up
    fireEvent.scroll(viewport);
    viewport.scrollTop = 0;
    fireEvent.scroll(viewport);
    await waitFor(() => expect(follow).not.toBeChecked());
    await append(
      from(
        200,
        lines(50, i => `${i}`),
      ),
    );
    expect(viewport.scrollTop).toBe(0);
    expect(await within(viewport).findByText('line 0')).toBeInTheDocument();

    // Following again jumps to the newest line
    fireEvent.click(follow);
    expect(follow).toBeChecked();
    await waitFor(() => expect(viewport.scrollTop).toBe(251 * 20));
    expect(await within(viewport).findByText('line 249')).toBeInTheDocument();
  });

  it('does not follow a finished run', async () => {
    const model = new LogModel();
    model.append(lines(100, i => `line ${i}`));
    const { viewport } = await renderLive(model, { live: false });
    const follow = screen.getByRole('checkbox', { name: 'Follow' });
    expect(follow).not.toBeChecked();
    expect(follow).toBeDisabled();
    expect(viewport.scrollTop).toBe(0);
    expect(within(viewport).getByText('line 0')).toBeInTheDocument();
  });

  it('shows each line’s time when timestamps are on', async () => {
    const model = new LogModel();
    model.append(
      lines(2, i => `line ${i}`).map((l, i) => ({
        ...l,
        timestamp: `2026-11-26T10:00:0${i}.25${i}Z`,
      })),
    );
    const { viewport } = await renderLive(model, { live: false });
    const timestamps = screen.getByRole('checkbox', { name: 'Timestamps' });
    expect(timestamps).not.toBeChecked();
    expect(within(viewport).queryByText('10:00:00.250')).toBeNull();

    fireEvent.click(timestamps);
    const row = within(viewport).getByText('line 1').closest('[data-seq]')!;
    expect(row).toHaveTextContent(/^1\s*10:00:01\.251\s*line 1$/);
    expect(within(viewport).getByText('10:00:00.250')).toBeInTheDocument();

    fireEvent.click(timestamps);
    expect(within(viewport).queryByText('10:00:01.251')).toBeNull();
  });

  it('offers the raw log for download when it can be downloaded', async () => {
    const onDownload = jest.fn();
    const model = new LogModel();
    model.append(lines(1, () => 'only line'));
    await renderLive(model, { live: false, onDownload });
    fireEvent.click(screen.getByRole('button', { name: 'Download raw log' }));
    expect(onDownload).toHaveBeenCalledTimes(1);
  });

  it('has no download button without a way to download', async () => {
    const model = new LogModel();
    model.append(lines(1, () => 'only line'));
    await renderLive(model, { live: false });
    expect(screen.getByText('only line')).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Download raw log' }),
    ).toBeNull();
  });

  it('opens a #L<seq> link at that line, highlighted, and does not follow', async () => {
    window.history.replaceState(null, '', '/runs/run-1#L150');
    const model = new LogModel();
    model.append(lines(300, i => `line ${i}`));
    const { viewport } = await renderLive(model, { live: true });
    const target = await within(viewport).findByText('line 150');
    const row = target.closest('[data-seq]')!;
    expect(row).toHaveAttribute('id', 'L150');
    expect(row.className).toMatch(/selected/);
    expect(
      within(viewport).getByText('line 151').closest('[data-seq]')!.className,
    ).not.toMatch(/selected/);
    // Row 151 (after the step header), a third of the viewport from the top
    expect(viewport.scrollTop).toBe(151 * 20 - 560 / 3);
    expect(within(viewport).queryByText('line 0')).toBeNull();
    expect(within(viewport).queryByText('line 299')).toBeNull();
    expect(screen.getByRole('checkbox', { name: 'Follow' })).not.toBeChecked();
  });

  it('scrolls to a linked line that arrives later', async () => {
    window.history.replaceState(null, '', '/runs/run-1#L250');
    const model = new LogModel();
    model.append(lines(100, i => `line ${i}`));
    const { viewport, append } = await renderLive(model, { live: true });
    expect(viewport.scrollTop).toBe(0);
    await append(
      from(
        100,
        lines(200, i => `${i}`),
      ),
    );
    const row = (await within(viewport).findByText('line 250')).closest(
      '[data-seq]',
    )!;
    expect(row.className).toMatch(/selected/);
    expect(viewport.scrollTop).toBe(251 * 20 - 560 / 3);
  });

  it('selects a line when its number is clicked and puts it in the address', async () => {
    const model = new LogModel();
    model.append(lines(10, i => `line ${i}`));
    await renderLive(model, { live: false });
    const link = screen.getByRole('link', { name: 'Line 4' });
    fireEvent.click(link);
    expect(window.location.hash).toBe('#L4');
    await waitFor(() =>
      expect(link.closest('[data-seq]')!.className).toMatch(/selected/),
    );
  });
});
