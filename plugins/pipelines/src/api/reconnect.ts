/** Backoff for reconnects: 1 s, 2 s, 4 s … capped at 15 s. */
export function reconnectDelayMs(attempt: number) {
  return Math.min(15_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
