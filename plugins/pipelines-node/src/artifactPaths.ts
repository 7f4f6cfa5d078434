import path from 'node:path';

// The path checks of the artifact store contract (PipelineArtifactStore.read): the pipelines
// backend applies them to every request, and a store applies them again, never trusting its
// caller to keep keys inside the run.

/**
 * Whether one segment of an artifact address (a job run id, or one folder or file name of the
 * path) names something inside its parent: not empty, `.` or `..`, with no separator, NUL or
 * backslash, also once URL-decoded again (a store that decodes keys must not see `..` either).
 */
export function isSafeArtifactSegment(segment: string): boolean {
  const forms = [segment];
  try {
    const decoded = decodeURIComponent(segment);
    if (decoded !== segment) forms.push(decoded);
  } catch {
    // Not valid percent-encoding: only the text as it is names the file
  }
  return forms.every(
    form =>
      form !== '' &&
      form !== '.' &&
      form !== '..' &&
      !/[/\\\0]/.test(form) &&
      !path.win32.isAbsolute(form),
  );
}

/**
 * The segments of an artifact's path relative to its job (`dist/app.js`), or undefined when
 * the path is absolute or any segment is not {@link isSafeArtifactSegment}.
 */
export function artifactPathSegments(
  relativePath: string,
): string[] | undefined {
  if (path.posix.isAbsolute(relativePath)) return undefined;
  const segments = relativePath.split('/');
  return segments.every(isSafeArtifactSegment) ? segments : undefined;
}
