import type { Entity } from '@backstage/catalog-model';
import { appliesToCometPipelines, hasCiCd } from './filters';

const jenkinsProvider = {
  appliesTo: (e: Entity) =>
    Boolean(e.metadata.annotations?.['jenkins.io/job-full-name']),
};
const githubProvider = {
  appliesTo: (e: Entity) =>
    Boolean(e.metadata.annotations?.['github.com/project-slug']),
};

function entity(
  annotations: Record<string, string> | undefined,
  kind = 'Component',
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name: 'payments-api', ...(annotations ? { annotations } : {}) },
  };
}

describe('hasCiCd', () => {
  it('is true for an entity with only a Jenkins job when the Jenkins provider is attached, false without it', () => {
    const jenkinsOnly = entity({
      'jenkins.io/job-full-name': 'payments/build',
    });
    expect(hasCiCd(jenkinsOnly, [jenkinsProvider])).toBe(true);
    expect(hasCiCd(jenkinsOnly, [githubProvider])).toBe(false);
    expect(hasCiCd(jenkinsOnly)).toBe(false);
  });

  it('is true for an entity with only a GitHub repository when a GitHub provider is attached: Comet has no source location to run', () => {
    const githubOnly = entity({
      'github.com/project-slug': 'acme/payments-api',
    });
    expect(hasCiCd(githubOnly, [githubProvider])).toBe(true);
    expect(hasCiCd(githubOnly, [jenkinsProvider])).toBe(false);
    expect(hasCiCd(githubOnly)).toBe(false);
  });

  it('is true for a GitHub repository with a source location, of any kind: its webhooks run the default pipeline file', () => {
    const github = {
      'github.com/project-slug': 'acme/payments-api',
      'backstage.io/source-location':
        'url:https://github.com/acme/payments-api/tree/main/',
    };
    expect(hasCiCd(entity(github, 'System'))).toBe(true);
    expect(appliesToCometPipelines(entity(github, 'System'))).toBe(true);
  });

  it('is true for an entity with only declared Comet pipelines, of any kind', () => {
    expect(
      hasCiCd(entity({ 'comet.dev/pipelines': '.comet/pipeline.yaml' })),
    ).toBe(true);
    expect(
      hasCiCd(
        entity({ 'comet.dev/pipelines': '.comet/pipeline.yaml' }, 'System'),
      ),
    ).toBe(true);
  });

  it('is true for a Component with only a source location (the default pipeline file), not for other kinds', () => {
    const sourceOnly = {
      'backstage.io/source-location':
        'url:https://github.com/acme/payments-api/tree/main/',
    };
    expect(hasCiCd(entity(sourceOnly))).toBe(true);
    expect(hasCiCd(entity(sourceOnly, 'component'))).toBe(true);
    expect(hasCiCd(entity(sourceOnly, 'API'))).toBe(false);
  });

  it('is false without any of these annotations', () => {
    expect(hasCiCd(entity(undefined))).toBe(false);
    expect(hasCiCd(entity({}))).toBe(false);
    expect(
      hasCiCd(
        entity({
          'backstage.io/techdocs-ref': 'dir:.',
          'jenkins.io/job-full-name': '',
        }),
        [jenkinsProvider, githubProvider],
      ),
    ).toBe(false);
  });
});
