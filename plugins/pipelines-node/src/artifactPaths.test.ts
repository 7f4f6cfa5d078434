import { artifactPathSegments, isSafeArtifactSegment } from './artifactPaths';

describe('artifact paths', () => {
  it('takes names inside their parent', () => {
    for (const segment of ['app.js', 'test_shard=1_', '..a', 'a%20b']) {
      expect(isSafeArtifactSegment(segment)).toBe(true);
    }
    expect(artifactPathSegments('dist/assets/app.js')).toEqual([
      'dist',
      'assets',
      'app.js',
    ]);
  });

  it('refuses what leaves its parent, also once URL-decoded', () => {
    for (const segment of [
      '',
      '.',
      '..',
      'a/b',
      'a\\b',
      'a\0b',
      '%2e%2e',
      '%2F',
    ]) {
      expect(isSafeArtifactSegment(segment)).toBe(false);
    }
    // Not valid percent-encoding: only the text as it is counts
    expect(isSafeArtifactSegment('100%')).toBe(true);
    for (const bad of ['/etc/passwd', 'dist/../../x', 'dist//x', 'dist/']) {
      expect(artifactPathSegments(bad)).toBeUndefined();
    }
  });
});
