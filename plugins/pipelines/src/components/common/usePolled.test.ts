import { act, renderHook } from '@testing-library/react';
import { usePolled } from './usePolled';

describe('usePolled', () => {
  afterEach(() => jest.useRealTimers());

  it('loads at once without an answer at hand', async () => {
    const load = jest.fn(async () => 'fresh');
    const { result } = renderHook(() => usePolled(load, []));
    expect(result.current.loading).toBe(true);
    expect(result.current.value).toBeUndefined();
    await act(async () => undefined);
    expect(load).toHaveBeenCalledTimes(1);
    expect(result.current).toMatchObject({ loading: false, value: 'fresh' });
  });

  it('shows an answer at hand on its first render and loads only when the interval is up', async () => {
    jest.useFakeTimers();
    const load = jest.fn(async () => 'polled');
    const { result } = renderHook(() =>
      usePolled(load, [], { initialValue: 'at hand', intervalMs: 4000 }),
    );
    expect(result.current).toMatchObject({ loading: false, value: 'at hand' });
    await act(async () => {
      jest.advanceTimersByTime(3999);
    });
    expect(load).not.toHaveBeenCalled();
    await act(async () => {
      jest.advanceTimersByTime(1);
    });
    expect(load).toHaveBeenCalledTimes(1);
    expect(result.current.value).toBe('polled');
  });

  it('does not load again for an answer at hand that needs no polling', async () => {
    jest.useFakeTimers();
    const load = jest.fn(async () => 'polled');
    const { result } = renderHook(() =>
      usePolled(load, [], {
        initialValue: 'finished',
        intervalMs: 4000,
        keepPolling: value => value !== 'finished',
      }),
    );
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    expect(load).not.toHaveBeenCalled();
    // A reload asks the backend, not the answer at hand
    await act(async () => result.current.reload());
    expect(load).toHaveBeenCalledTimes(1);
  });
});
