import { LiveLogBus } from './LiveLogBus';

const line = (text: string, seq: number) => ({
  seq,
  jobRunId: 'build',
  stream: 'stdout' as const,
  timestamp: '2026-12-01T12:00:00.000Z',
  text,
});

describe('LiveLogBus', () => {
  it('hands stored lines to the run viewers and the observers, and counts viewers', () => {
    const bus = new LiveLogBus();
    const stored: string[] = [];
    bus.observeStored(lines => stored.push(...lines.map(l => l.text)));
    const seen: string[] = [];
    const unsubscribe = bus.subscribe('run-1', lines =>
      seen.push(...lines.map(l => l.text)),
    );
    const other = bus.subscribe('run-2', () => {});
    expect(bus.viewerCount).toBe(2);

    bus.publish('run-1', [line('one', 0), line('two', 1)]);
    bus.publish('run-2', [line('elsewhere', 0)]);
    bus.publish('run-1', []);
    expect(seen).toEqual(['one', 'two']);
    expect(stored).toEqual(['one', 'two', 'elsewhere']);

    unsubscribe();
    // Unsubscribing twice (a stream closed and errored) counts once
    unsubscribe();
    expect(bus.viewerCount).toBe(1);
    bus.publish('run-1', [line('three', 2)]);
    expect(seen).toEqual(['one', 'two']);
    other();
    expect(bus.viewerCount).toBe(0);
  });
});
