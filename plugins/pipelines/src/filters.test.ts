import type { Entity } from '@backstage/catalog-model';
import { hasCiCd } from './filters';

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
  it('is true for an entity with only a Jenkins job', () => {
    expect(
      hasCiCd(entity({ 'jenkins.io/job-full-name': 'payments/build' })),
    ).toBe(true);
  });

  it('is true for an entity with only a GitHub repository', () => {
    expect(
      hasCiCd(entity({ 'github.com/project-slug': 'acme/payments-api' })),
    ).toBe(true);
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
      ),
    ).toBe(false);
  });
});
