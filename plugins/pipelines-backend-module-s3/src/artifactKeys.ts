/**
 * The key segment of a run or job run id, as the local store names its folders:
 * `test (shard=1)` -> `test_shard=1_`; never `.`, `..` or empty. Applying it twice changes
 * nothing, so a job listed under its segment reads back under it.
 */
export function idSegment(id: string): string {
  const segment = id.replace(/[^A-Za-z0-9_.=-]+/g, '_');
  return /^\.*$/.test(segment) ? `_${segment}` : segment;
}
