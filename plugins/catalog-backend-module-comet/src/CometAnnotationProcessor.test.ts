import type { Entity } from '@backstage/catalog-model';
import type { AlphaEntity } from '@backstage/catalog-model/alpha';
import { ConfigReader } from '@backstage/config';
import {
  ANNOTATION_PROBLEMS_ANNOTATION,
  CometAnnotationProcessor,
} from './CometAnnotationProcessor';

/** Jenkins with one instance, `default`; SonarQube not configured at all. */
const processor = CometAnnotationProcessor.fromConfig(
  new ConfigReader({
    jenkins: {
      instances: [
        {
          name: 'default',
          baseUrl: 'https://jenkins.example.com',
          username: 'comet',
          apiKey: 'jenkins-secret-key',
        },
      ],
    },
  }),
);

function component(annotations: Record<string, string>): AlphaEntity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

const process = async (entity: AlphaEntity) =>
  (await processor.postProcessEntity(entity as Entity)) as AlphaEntity;

describe('CometAnnotationProcessor', () => {
  it('puts each problem on the status and counts errors and warnings in an annotation', async () => {
    const entity = component({
      'jenkins.io/job-full-name': 'jenkins-eu:payments/payments-api',
      'sonarqube.org/project-key': 'acme_payments-api',
      'backstage.io/techdocs-ref': 'dir:.',
    });
    entity.status = {
      items: [
        {
          type: 'backstage.io/catalog-processing',
          level: 'error',
          message: 'an earlier processor',
        },
      ],
    };
    const before = JSON.parse(JSON.stringify(entity));

    const processed = await process(entity);

    expect(processed.metadata.annotations).toEqual({
      'jenkins.io/job-full-name': 'jenkins-eu:payments/payments-api',
      'sonarqube.org/project-key': 'acme_payments-api',
      'backstage.io/techdocs-ref': 'dir:.',
      [ANNOTATION_PROBLEMS_ANNOTATION]: '2',
    });
    const items = processed.status?.items ?? [];
    expect(items[0].message).toBe('an earlier processor');
    expect(
      items.slice(1).map(item => ({
        level: item.level,
        annotation: item.error?.annotation,
        name: item.error?.name,
      })),
    ).toEqual([
      {
        level: 'error',
        annotation: 'jenkins.io/job-full-name',
        name: 'CometAnnotationError',
      },
      {
        level: 'warning',
        annotation: 'sonarqube.org/project-key',
        name: 'CometAnnotationError',
      },
    ]);
    expect(items[1].message).toBe(
      `CometAnnotationError: ${items[1].error?.message}`,
    );
    expect(items[1].error?.message).toContain(
      'Unknown Jenkins instance "jenkins-eu"',
    );
    // The entity the catalog passed in is left as it was
    expect(entity).toEqual(before);
  });

  it('returns an entity without problems as it is, with no count', async () => {
    const entity = component({
      'jenkins.io/job-full-name': 'payments/payments-api',
    });
    const processed = await process(entity);
    expect(processed).toBe(entity);
    expect(
      processed.metadata.annotations?.[ANNOTATION_PROBLEMS_ANNOTATION],
    ).toBeUndefined();
  });

  it('keeps an entity without annotations as it is', async () => {
    const entity: AlphaEntity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'plain' },
      spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
    };
    expect(await process(entity)).toBe(entity);
  });

  it("replaces a count the entity's own source sets with Comet's", async () => {
    const clean = await process(
      component({
        'jenkins.io/job-full-name': 'payments/payments-api',
        [ANNOTATION_PROBLEMS_ANNOTATION]: '7',
      }),
    );
    expect(clean.metadata.annotations).toEqual({
      'jenkins.io/job-full-name': 'payments/payments-api',
    });
    expect(clean.status).toBeUndefined();

    const broken = await process(
      component({
        'jenkins.io/job-full-name': 'nowhere:payments/payments-api',
        [ANNOTATION_PROBLEMS_ANNOTATION]: '7',
      }),
    );
    expect(broken.metadata.annotations?.[ANNOTATION_PROBLEMS_ANNOTATION]).toBe(
      '1',
    );
  });
});
