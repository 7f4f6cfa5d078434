import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import type { AlphaEntity } from '@backstage/catalog-model/alpha';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleUnprocessed from '@backstage/plugin-catalog-backend-module-unprocessed';
import path from 'node:path';
import request from 'supertest';
import { catalogModuleComet } from './module';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

async function waitFor<T>(
  what: string,
  read: () => Promise<T | undefined>,
): Promise<T> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A stand-in for the comet plugin's `/integrations/overrides`: the catalog's service token only,
 * serving the overrides the test sets.
 */
function cometOverridesPlugin(overrides: object[], callers: string[]) {
  return createBackendPlugin({
    pluginId: 'comet',
    register(reg) {
      reg.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
        },
        async init({ httpRouter, httpAuth }) {
          httpRouter.use((req: any, res: any, next: any) => {
            if (req.path !== '/integrations/overrides') {
              next();
              return;
            }
            httpAuth
              .credentials(req, { allow: ['service'] })
              .then(credentials => {
                callers.push(credentials.principal.subject);
                res.json({ overrides });
              })
              .catch(next);
          });
        },
      });
    },
  });
}

describe.each(databases.eachSupportedId())(
  'catalogModuleComet with the real catalog on %s',
  databaseId => {
    async function start(comet?: object, extraFeatures: any[] = []) {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          catalogPlugin,
          catalogModuleComet,
          catalogModuleUnprocessed,
          ...extraFeatures,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              catalog: {
                rules: [{ allow: ['Component', 'Location'] }],
                locations: [
                  {
                    type: 'file',
                    target: path.resolve(
                      __dirname,
                      '__fixtures__/catalog.yaml',
                    ),
                  },
                ],
              },
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
              ...(comet ? { comet } : {}),
            },
          }),
        ],
      });
      const entity = (name: string) =>
        request(backend.server)
          .get(`/api/catalog/entities/by-name/component/default/${name}`)
          .set('Authorization', mockCredentials.service.header());
      return { backend, entity };
    }

    it('keeps an entity with bad annotations in the catalog and puts the problems on its status', async () => {
      const { backend, entity } = await start();
      try {
        const typo = await waitFor('typo-service', async () => {
          const res = await entity('typo-service');
          return res.status === 200 && res.body.relations?.length
            ? (res.body as AlphaEntity)
            : undefined;
        });
        // Current content (relations included), not a stale or missing entity
        expect(typo.relations).toEqual(
          expect.arrayContaining([
            {
              type: 'dependsOn',
              targetRef: 'component:default/good-service',
            },
          ]),
        );
        const items = typo.status?.items ?? [];
        // Exactly what EntityProcessingErrorsPanel shows: level error, with an error object
        const shown = items.filter(
          i =>
            i.type === 'backstage.io/catalog-processing' &&
            i.level === 'error' &&
            i.error,
        );
        expect(shown.map(i => i.error)).toEqual([
          {
            name: 'CometAnnotationError',
            annotation: 'jenkins.io/job-full-name',
            message:
              'component:default/typo-service: The jenkins.io/job-full-name entry "jenkins-eu:payments/typo-service" cannot be used: Unknown Jenkins instance "jenkins-eu" (from jenkins.io/job-full-name); jenkins.instances has "default"',
          },
          {
            name: 'CometAnnotationError',
            annotation: 'sonarqube.org/project-key',
            message:
              'component:default/typo-service: The item 1 of sonarqube.org/project-key "a/b/c" has more than one "/"; expected [instance/]key, e.g. "acme_payments-api" or "sonarcloud/acme_payments-api"',
          },
        ]);
        expect(JSON.stringify(typo)).not.toContain('jenkins-secret-key');

        // Waited for too: a 404's body has no status either, so the check below would pass
        const good = await waitFor('good-service', async () => {
          const res = await entity('good-service');
          return res.status === 200 ? (res.body as AlphaEntity) : undefined;
        });
        expect(good.status?.items ?? []).toEqual([]);

        // The count the Catalog problems page filters on: the search index has no `status`
        expect(
          typo.metadata.annotations?.['comet.dev/annotation-problems'],
        ).toBe('2');
        expect(
          good.metadata.annotations?.['comet.dev/annotation-problems'],
        ).toBeUndefined();
        const withProblems = await request(backend.server)
          .get('/api/catalog/entities/by-query')
          .query({
            filter: 'metadata.annotations.comet.dev/annotation-problems',
            fields: 'kind,metadata.name,status',
          })
          .set('Authorization', mockCredentials.service.header());
        expect(withProblems.status).toBe(200);
        expect(
          withProblems.body.items.map(
            (e: AlphaEntity) => `${e.kind}:${e.metadata.name}`,
          ),
        ).toEqual(['Component:typo-service']);
        expect(
          withProblems.body.items[0].status.items.map(
            (i: { error?: { annotation?: string } }) => i.error?.annotation,
          ),
        ).toEqual(['jenkins.io/job-full-name', 'sonarqube.org/project-key']);

        // Not in the error view's lists: those are for entities that are not in the catalog
        const failed = await request(backend.server)
          .get('/api/catalog/entities/unprocessed/failed')
          .set('Authorization', mockCredentials.service.header());
        const pending = await request(backend.server)
          .get('/api/catalog/entities/unprocessed/pending')
          .set('Authorization', mockCredentials.service.header());
        const listed = [...failed.body.entities, ...pending.body.entities].map(
          (e: { entity_ref: string }) => e.entity_ref,
        );
        expect(listed).not.toContain('component:default/typo-service');
      } finally {
        await backend.stop();
      }
    });

    it('adds nothing when comet.annotationValidation.enabled is false', async () => {
      const { backend, entity } = await start({
        annotationValidation: { enabled: false },
      });
      try {
        const typo = await waitFor('typo-service', async () => {
          const res = await entity('typo-service');
          return res.status === 200 ? (res.body as AlphaEntity) : undefined;
        });
        expect(typo.status?.items ?? []).toEqual([]);
        expect(
          typo.metadata.annotations?.['comet.dev/annotation-problems'],
        ).toBeUndefined();
      } finally {
        await backend.stop();
      }
    });

    it('merges a portal-side override from the comet plugin into the entity, marked as such', async () => {
      const callers: string[] = [];
      const { backend, entity } = await start({}, [
        cometOverridesPlugin(
          [
            {
              entityRef: 'component:default/good-service',
              annotations: {
                'sonarqube.org/project-key': 'comet-examples_good-service',
                'backstage.io/source-location': 'url:https://evil.example/x',
              },
              updatedBy: 'user:default/ada',
              updatedAt: '2026-06-01T10:00:00.000Z',
            },
          ],
          callers,
        ),
      ]);
      try {
        const good = await waitFor('good-service', async () => {
          const res = await entity('good-service');
          return res.status === 200 ? (res.body as AlphaEntity) : undefined;
        });
        expect(good.metadata.annotations).toEqual(
          expect.objectContaining({
            'jenkins.io/job-full-name': 'payments/good-service',
            'sonarqube.org/project-key': 'comet-examples_good-service',
            'comet.dev/overridden-annotations': 'sonarqube.org/project-key',
          }),
        );
        expect(
          good.metadata.annotations?.['backstage.io/source-location'],
        ).not.toBe('url:https://evil.example/x');
        // The override is checked like the entity's own annotations: SonarQube is not configured
        expect(good.status?.items?.map(i => i.error?.annotation)).toEqual([
          'sonarqube.org/project-key',
        ]);
        expect(new Set(callers)).toEqual(new Set(['plugin:catalog']));

        // Processed in the same pass, but it may be stitched after good-service
        const typo = await waitFor('typo-service', async () => {
          const res = await entity('typo-service');
          return res.status === 200 ? (res.body as AlphaEntity) : undefined;
        });
        expect(
          typo.metadata.annotations?.['comet.dev/overridden-annotations'],
        ).toBeUndefined();
      } finally {
        await backend.stop();
      }
    });
  },
);
