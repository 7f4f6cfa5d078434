/**
 * Lets go of the last string a regular expression matched on, which V8 keeps alive for
 * RegExp's legacy statics (`RegExp.input`, `RegExp.lastMatch`): after a scan, that is a whole
 * log, which would otherwise stay in the heap until a regular expression runs elsewhere.
 */
export function forgetLastRegexInput(): void {
  /^/.exec('');
}

/**
 * A deep copy of a result whose strings no longer point into the log. In V8 a substring (a
 * matched line, a capture group) keeps its whole parent string alive: a cached result would
 * otherwise hold a 20 MB log in memory.
 */
export function detachFromLog<T>(value: T): T {
  const copy = structuredClone(value);
  forgetLastRegexInput();
  return copy;
}
