import { act, renderHook } from '@testing-library/react';
import { useLoader } from './useLoader';

function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useLoader', () => {
  it('loads, keeps the value while reloading, and reports an error', async () => {
    const answers = [
      deferred<string>(),
      deferred<string>(),
      deferred<string>(),
    ];
    let call = 0;
    const { result } = renderHook(() =>
      useLoader(() => answers[call++].promise, []),
    );
    expect(result.current.loading).toBe(true);
    await act(async () => answers[0].resolve('first'));
    expect(result.current).toMatchObject({ loading: false, value: 'first' });

    act(() => result.current.retry());
    expect(result.current).toMatchObject({ loading: true, value: 'first' });
    await act(async () => answers[1].reject(new Error('Jenkins is down')));
    expect(result.current.loading).toBe(false);
    expect(result.current.error?.message).toBe('Jenkins is down');
    expect(result.current.value).toBeUndefined();
  });

  it('keeps only the latest answer when a retry overtakes a slow load', async () => {
    const answers = [deferred<string>(), deferred<string>()];
    let call = 0;
    const { result } = renderHook(() =>
      useLoader(() => answers[call++].promise, []),
    );
    act(() => result.current.retry());
    await act(async () => answers[1].resolve('newer'));
    await act(async () => answers[0].resolve('older'));
    expect(result.current).toMatchObject({ loading: false, value: 'newer' });
  });
});
