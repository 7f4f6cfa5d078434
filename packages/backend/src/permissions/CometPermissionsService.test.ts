import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  type PermissionEvaluator,
} from '@backstage/plugin-permission-common';
import { catalogLocationCreatePermission } from '@backstage/plugin-catalog-common/alpha';
import {
  jenkinsBuildAbortPermission,
  jenkinsBuildTriggerPermission,
} from '@internal/plugin-jenkins-common';
import {
  pipelinesRunApprovePermission,
  pipelinesRunCreatePermission,
  pipelinesRunReadPermission,
} from '@internal/plugin-pipelines-common';
import { CometPermissionsService } from './CometPermissionsService';
import { readCometPermissionConfig } from './CometPermissionConfig';

function serviceWith(innerResult: AuthorizeResult) {
  const calls: string[][] = [];
  const inner: PermissionEvaluator = {
    authorize: async requests => {
      calls.push(requests.map(r => r.permission.name));
      return requests.map(() => ({ result: innerResult as any }));
    },
    authorizeConditional: async requests => {
      calls.push(requests.map(r => r.permission.name));
      return requests.map(() => ({ result: innerResult as any }));
    },
  };
  const service = new CometPermissionsService(
    inner,
    mockServices.auth(),
    readCometPermissionConfig(
      new ConfigReader({
        permission: {
          comet: { services: { 'release-bot': ['pipelines.run.create'] } },
        },
      }),
    ),
  );
  return { service, calls };
}

// Resource permissions asked without a resource: what a plugin asks before it has one
const requests = [
  { permission: pipelinesRunReadPermission },
  { permission: pipelinesRunCreatePermission },
  { permission: jenkinsBuildTriggerPermission },
] as any[];

describe('CometPermissionsService', () => {
  it('gives a static token reads, plus what permission.comet.services grants', async () => {
    const { service } = serviceWith(AuthorizeResult.ALLOW);
    for (const method of ['authorize', 'authorizeConditional'] as const) {
      const answers = await service[method](requests, {
        credentials: mockCredentials.service('release-bot'),
      });
      expect(answers.map(a => a.result)).toEqual([
        AuthorizeResult.ALLOW,
        AuthorizeResult.ALLOW,
        AuthorizeResult.DENY,
      ]);
      const other = await service[method](requests, {
        credentials: mockCredentials.service('external:ci'),
      });
      expect(other.map(a => a.result)).toEqual([
        AuthorizeResult.ALLOW,
        AuthorizeResult.DENY,
        AuthorizeResult.DENY,
      ]);
    }
  });

  it('gives the MCP endpoint and the AI assistant reads only when they act as a service (for a static token)', async () => {
    const { service } = serviceWith(AuthorizeResult.ALLOW);
    for (const subject of ['plugin:mcp-actions', 'plugin:ai-assistant']) {
      const answers = await service.authorize(requests, {
        credentials: mockCredentials.service(subject),
      });
      expect(answers.map(a => a.result)).toEqual([
        AuthorizeResult.ALLOW,
        AuthorizeResult.DENY,
        AuthorizeResult.DENY,
      ]);
    }
    // Other backend plugins keep Backstage's answer
    const catalog = await service.authorize(requests, {
      credentials: mockCredentials.service('plugin:catalog'),
    });
    expect(catalog.map(a => a.result)).toEqual([
      AuthorizeResult.ALLOW,
      AuthorizeResult.ALLOW,
      AuthorizeResult.ALLOW,
    ]);
  });

  it("keeps Backstage's answer for a token's access restrictions", async () => {
    const { service } = serviceWith(AuthorizeResult.DENY);
    const answers = await service.authorize(requests, {
      credentials: mockCredentials.service('release-bot'),
    });
    expect(answers.map(a => a.result)).toEqual([
      AuthorizeResult.DENY,
      AuthorizeResult.DENY,
      AuthorizeResult.DENY,
    ]);
  });

  it('leaves backend plugins and plain users to Backstage and the policy', async () => {
    const { service, calls } = serviceWith(AuthorizeResult.ALLOW);
    const asPlugin = await service.authorize(requests, {
      credentials: mockCredentials.service('plugin:pipelines'),
    });
    expect(asPlugin.every(a => a.result === AuthorizeResult.ALLOW)).toBe(true);
    const asUser = await service.authorizeConditional(
      [{ permission: jenkinsBuildAbortPermission }],
      { credentials: mockCredentials.user('user:default/alan') },
    );
    expect(asUser).toEqual([{ result: AuthorizeResult.ALLOW }]);
    expect(calls).toHaveLength(2);
  });

  it('refuses approvals and aborts asked for a user by MCP or the AI assistant, asking the policy for the rest in order', async () => {
    for (const actor of ['plugin:mcp-actions', 'plugin:ai-assistant']) {
      const { service, calls } = serviceWith(AuthorizeResult.ALLOW);
      const answers = await service.authorize(
        [
          { permission: pipelinesRunApprovePermission },
          { permission: pipelinesRunReadPermission },
          { permission: jenkinsBuildAbortPermission },
          { permission: pipelinesRunCreatePermission },
        ] as any[],
        {
          credentials: mockCredentials.user('user:default/alan', {
            actor: { subject: actor },
          }),
        },
      );
      expect(answers.map(a => a.result)).toEqual([
        AuthorizeResult.DENY,
        AuthorizeResult.ALLOW,
        AuthorizeResult.DENY,
        AuthorizeResult.ALLOW,
      ]);
      expect(calls).toEqual([['pipelines.run.read', 'pipelines.run.create']]);
    }
  });

  it('lets the scaffolder register a location for a user without asking the policy', async () => {
    const { service, calls } = serviceWith(AuthorizeResult.DENY);
    const answers = await service.authorize(
      [{ permission: catalogLocationCreatePermission }],
      {
        credentials: mockCredentials.user('user:default/alan', {
          actor: { subject: 'plugin:scaffolder' },
        }),
      },
    );
    expect(answers).toEqual([{ result: AuthorizeResult.ALLOW }]);
    expect(calls).toEqual([]);
    const direct = await service.authorize(
      [{ permission: catalogLocationCreatePermission }],
      {
        credentials: mockCredentials.user('user:default/alan', {
          actor: { subject: 'plugin:catalog' },
        }),
      },
    );
    expect(direct).toEqual([{ result: AuthorizeResult.DENY }]);
  });
});
