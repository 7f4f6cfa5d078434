import { ManualClock } from './ManualClock';

describe('ManualClock', () => {
  it('runs timeouts and intervals in time order as it advances', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    const interval = clock.setInterval(
      () => fired.push(`tick@${clock.now()}`),
      30,
    );
    clock.setTimeout(() => fired.push(`once@${clock.now()}`), 50);
    const cleared = clock.setTimeout(() => fired.push('never'), 10);
    clock.clear(cleared);
    clock.advance(95);
    expect(fired).toEqual(['tick@130', 'once@150', 'tick@160', 'tick@190']);
    expect(clock.now()).toBe(195);
    clock.clear(interval);
    clock.advance(100);
    expect(fired).toHaveLength(4);
    expect(clock.pending).toBe(0);
  });
});
