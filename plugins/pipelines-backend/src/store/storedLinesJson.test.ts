import type { PipelineLogLine } from '@internal/plugin-pipelines-common';
import { storedLinesJson } from './DatabaseLogChunkStore';

const line = (text: string, stepIndex?: number | null): PipelineLogLine => ({
  seq: 0,
  jobRunId: 'build',
  stepIndex: stepIndex as number | undefined,
  stream: 'stdout',
  timestamp: '2026-11-26T22:47:01.123Z',
  text,
});

describe('storedLinesJson', () => {
  it('writes exactly what JSON.stringify writes for the stored arrays', () => {
    const lines = [
      line('plain', 0),
      line('"quoted" and \\backslashed\\', 3),
      line('\u001b[32mgreen\u001b[0m \t tab \u0000 nul \u2028 separator', null),
      line('unicode ✓ 日本語 and a lone surrogate \ud800 here', undefined),
      line(''),
    ];
    const expected = JSON.stringify(
      lines.map(l => [l.stepIndex ?? null, l.stream, l.timestamp, l.text]),
    );
    expect(storedLinesJson(lines)).toBe(expected);
    expect(JSON.parse(storedLinesJson(lines))[1][3]).toBe(
      '"quoted" and \\backslashed\\',
    );
    expect(storedLinesJson([])).toBe('[]');
  });
});
