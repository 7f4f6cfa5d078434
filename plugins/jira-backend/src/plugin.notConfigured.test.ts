import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import jiraPlugin from './index';

describe('jira backend without jira.instances', () => {
  it('starts, and every entity route names the key to set', async () => {
    const backend = await startTestBackend({
      features: [
        jiraPlugin,
        mockServices.rootConfig.factory({ data: {} }),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'payments-api',
                namespace: 'default',
                annotations: { 'jira/project-key': 'PAY' },
              },
              spec: {
                type: 'service',
                owner: 'team-a',
                lifecycle: 'production',
              },
            },
          ],
        }),
      ],
    });
    try {
      for (const path of [
        '/entity/overview',
        '/entity/issues',
        '/entity/sprint',
      ]) {
        const res = await request(backend.server)
          .get(`/api/jira${path}`)
          .query({ entityRef: 'component:default/payments-api' })
          .set('Authorization', mockCredentials.user.header());
        expect(res.status).toBe(503);
        expect(res.body.error.message).toBe(
          'Jira is not configured: set jira.instances in app-config.yaml (docs/jira.md)',
        );
      }
    } finally {
      await backend.stop();
    }
  });
});
