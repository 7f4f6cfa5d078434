import type { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  gitHubRepositoryOf,
  parseGitHubSlug,
  stringifyGitHubSlug,
} from './annotations';

function entity(annotations?: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', annotations },
  };
}

const expected =
  'expected owner/repo, e.g. "comet-examples/payments-api" (owner: letters, digits and single hyphens, at most 39 characters; repo: letters, digits, ".", "-" and "_")';

describe('parseGitHubSlug', () => {
  it.each([
    ['comet-examples/payments-api', 'comet-examples', 'payments-api'],
    [' a/b ', 'a', 'b'],
    ['A1-b2/.github', 'A1-b2', '.github'],
    ['octo/repo_name.v2', 'octo', 'repo_name.v2'],
    [`${'x'.repeat(39)}/r`, 'x'.repeat(39), 'r'],
  ])('reads %j', (value, owner, repo) => {
    expect(parseGitHubSlug(value)).toEqual({ owner, repo });
  });

  it.each([
    'octo',
    'octo/repo/extra',
    '-octo/repo',
    'octo-/repo',
    'oc--to/repo',
    `${'x'.repeat(40)}/repo`,
    'octo/.',
    'octo/..',
    'octo/my repo',
    'octo/',
    '/repo',
    'oc_to/repo',
  ])('rejects %j, naming the annotation, the value and the form', value => {
    expect(() => parseGitHubSlug(value)).toThrow(InputError);
    expect(() => parseGitHubSlug(value)).toThrow(
      `The annotation github.com/project-slug is "${value}", which is not a GitHub repository; ${expected}`,
    );
  });

  it('says when it is empty', () => {
    for (const value of [undefined, '', '  ']) {
      expect(() => parseGitHubSlug(value)).toThrow(
        `The annotation github.com/project-slug is empty; ${expected}`,
      );
    }
  });

  it('round-trips through stringifyGitHubSlug', () => {
    expect(stringifyGitHubSlug(parseGitHubSlug('octo/hello.world'))).toBe(
      'octo/hello.world',
    );
  });
});

describe('gitHubRepositoryOf', () => {
  it('is undefined for an entity without the slug annotation', () => {
    expect(gitHubRepositoryOf(entity())).toBeUndefined();
    expect(
      gitHubRepositoryOf(
        entity({
          'backstage.io/source-location': 'url:https://github.com/a/b',
        }),
      ),
    ).toBeUndefined();
  });

  it('is on github.com without a source location', () => {
    expect(
      gitHubRepositoryOf(
        entity({ [GITHUB_PROJECT_SLUG_ANNOTATION]: 'comet/payments' }),
      ),
    ).toEqual({ host: 'github.com', owner: 'comet', repo: 'payments' });
  });

  it('takes the host of a source location that points at the same repository', () => {
    expect(
      gitHubRepositoryOf(
        entity({
          [GITHUB_PROJECT_SLUG_ANNOTATION]: 'Platform/Payments',
          'backstage.io/source-location':
            'url:https://GHE.example.com/platform/payments/tree/main/',
        }),
      ),
    ).toEqual({ host: 'ghe.example.com', owner: 'Platform', repo: 'Payments' });
    expect(
      gitHubRepositoryOf(
        entity({
          [GITHUB_PROJECT_SLUG_ANNOTATION]: 'platform/payments',
          'backstage.io/source-location':
            'url:http://ghe.internal:8443/platform/payments.git',
        }),
      ),
    ).toEqual({
      host: 'ghe.internal:8443',
      owner: 'platform',
      repo: 'payments',
    });
  });

  it.each([
    'url:https://ghe.example.com/platform/other/tree/main/',
    'url:https://ghe.example.com/someone/payments',
    'url:https://ghe.example.com/',
    'url:not a url',
    'url:ftp://ghe.example.com/platform/payments',
    'file:./catalog-info.yaml',
  ])(
    'stays on github.com when the source location %j is another repository or no URL',
    location => {
      expect(
        gitHubRepositoryOf(
          entity({
            [GITHUB_PROJECT_SLUG_ANNOTATION]: 'platform/payments',
            'backstage.io/source-location': location,
          }),
        ),
      ).toEqual({ host: 'github.com', owner: 'platform', repo: 'payments' });
    },
  );

  it('throws the parser error for a bad slug', () => {
    expect(() =>
      gitHubRepositoryOf(
        entity({ [GITHUB_PROJECT_SLUG_ANNOTATION]: 'not a slug' }),
      ),
    ).toThrow(
      'The annotation github.com/project-slug is "not a slug", which is not a GitHub repository',
    );
  });
});
