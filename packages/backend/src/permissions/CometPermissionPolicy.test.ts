import {
  jiraComponentCreatePermission,
  jiraIssueCreatePermission,
  jiraIssueReadPermission,
  jiraIssueUpdatePermission,
  jiraSearchJqlPermission,
} from '@internal/plugin-jira-common';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { permissionRules as catalogRules } from '@backstage/plugin-catalog-backend/alpha';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogEntityRefreshPermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
  catalogLocationReadPermission,
} from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  createPermission,
  type Permission,
  type PermissionCondition,
  type PermissionCriteria,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  actionExecutePermission,
  taskCancelPermission,
  taskCreatePermission,
  taskReadPermission,
  templateManagementPermission,
  templateParameterReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  jenkinsBuildAbortPermission,
  jenkinsBuildReadPermission,
  jenkinsBuildTriggerPermission,
  jenkinsJobConfigurePermission,
} from '@internal/plugin-jenkins-common';
import {
  pipelinesRunApprovePermission,
  pipelinesRunCancelPermission,
  pipelinesRunCreatePermission,
  pipelinesRunReadPermission,
} from '@internal/plugin-pipelines-common';
import {
  sonarqubeFindingsReadPermission,
  sonarqubeProjectConfigurePermission,
  sonarqubeSecurityReadPermission,
} from '@internal/plugin-sonarqube-common';
import {
  testRecorderArtifactReadPermission,
  testRecorderBaselineAcceptPermission,
  testRecorderSuiteEditPermission,
  testRecorderSuiteReadPermission,
  testRecorderSuiteRecordPermission,
  testRecorderSuiteRunPermission,
} from '@internal/plugin-test-recorder-common';
import path from 'node:path';
import { CometPermissionPolicy } from './CometPermissionPolicy';

// The scaffolder's own rule implementations (not exported by the package), so the conditions
// this policy returns are evaluated exactly as the scaffolder evaluates them
// eslint-disable-next-line @typescript-eslint/no-require-imports
const scaffolderRules = require(path.join(
  path.dirname(
    require.resolve('@backstage/plugin-scaffolder-backend/package.json'),
  ),
  'dist/service/rules.cjs.js',
));

type Rule = { apply(resource: unknown, params: any): boolean };
const rulesByType: Record<string, Record<string, Rule>> = {
  'catalog-entity': Object.fromEntries(
    Object.values(catalogRules).map(rule => [rule.name, rule as Rule]),
  ),
  'scaffolder-action': Object.fromEntries(
    Object.values(
      scaffolderRules.scaffolderActionRules as Record<
        string,
        Rule & { name: string }
      >,
    ).map(rule => [rule.name, rule]),
  ),
  'scaffolder-task': { IS_TASK_OWNER: scaffolderRules.isTaskOwner },
};

function evaluate(
  criteria: PermissionCriteria<PermissionCondition>,
  resourceType: string,
  resource: unknown,
): boolean {
  if ('allOf' in criteria) {
    return criteria.allOf.every(c => evaluate(c, resourceType, resource));
  }
  if ('anyOf' in criteria) {
    return criteria.anyOf.some(c => evaluate(c, resourceType, resource));
  }
  if ('not' in criteria) {
    return !evaluate(criteria.not, resourceType, resource);
  }
  const rule = rulesByType[resourceType][criteria.rule];
  if (!rule) throw new Error(`No rule ${criteria.rule} for ${resourceType}`);
  return rule.apply(resource, criteria.params);
}

/** Allowed on this resource? A conditional decision is evaluated with the real rules. */
function allowedOn(decision: PolicyDecision, resource?: unknown): boolean {
  if (decision.result !== AuthorizeResult.CONDITIONAL) {
    return decision.result === AuthorizeResult.ALLOW;
  }
  if (resource === undefined) {
    throw new Error('A conditional decision needs a resource to evaluate');
  }
  return evaluate(decision.conditions, decision.resourceType, resource);
}

const GROUPS: Record<string, string[]> = {
  'user:default/ada': ['group:default/platform-team'],
  'user:default/alan': ['group:default/payments-team'],
  'user:default/margaret': ['group:default/storefront-team'],
  'user:default/guest': [
    'group:default/payments-team',
    'group:default/storefront-team',
  ],
  'user:default/root': [],
};

const userInfo = {
  async getUserInfo(credentials: any) {
    const ref = credentials.principal.userEntityRef as string;
    return { userEntityRef: ref, ownershipEntityRefs: [ref, ...GROUPS[ref]] };
  },
};

function policyWith(comet: object = {}) {
  return new CometPermissionPolicy({
    config: new ConfigReader({ permission: { enabled: true, comet } }),
    userInfo,
  });
}

const policy = policyWith({
  admins: ['Group:default/Platform-Team', 'user:default/root'],
});

function userOf(ref: string, actor?: string) {
  const credentials = mockCredentials.user(
    ref,
    actor ? { actor: { subject: actor } } : undefined,
  );
  return {
    credentials,
    info: { userEntityRef: ref, ownershipEntityRefs: [ref] },
  };
}

function decide(permission: Permission, ref?: string, actor?: string) {
  return policy.handle({ permission }, ref ? userOf(ref, actor) : undefined);
}

function entityOwnedBy(owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', namespace: 'default' },
    spec: { owner },
    relations: [{ type: 'ownedBy', targetRef: `group:default/${owner}` }],
  };
}
const paymentsEntity = entityOwnedBy('payments-team');

const ownerPermissions = [
  catalogEntityDeletePermission,
  catalogEntityRefreshPermission,
  pipelinesRunCreatePermission,
  pipelinesRunCancelPermission,
  jenkinsBuildTriggerPermission,
  jenkinsBuildAbortPermission,
  jiraIssueCreatePermission,
  jiraIssueUpdatePermission,
  testRecorderSuiteRecordPermission,
  testRecorderSuiteEditPermission,
  testRecorderSuiteRunPermission,
  testRecorderBaselineAcceptPermission,
];

const readPermissions = [
  catalogEntityReadPermission,
  catalogLocationReadPermission,
  pipelinesRunReadPermission,
  jenkinsBuildReadPermission,
  sonarqubeFindingsReadPermission,
  sonarqubeSecurityReadPermission,
  jiraIssueReadPermission,
  testRecorderSuiteReadPermission,
  testRecorderArtifactReadPermission,
  templateParameterReadPermission,
  taskReadPermission,
];

const adminPermissions = [
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
  jenkinsJobConfigurePermission,
  sonarqubeProjectConfigurePermission,
  jiraSearchJqlPermission,
  templateManagementPermission,
];

describe('CometPermissionPolicy', () => {
  it('denies everything to a request without a signed-in user', async () => {
    for (const permission of [...readPermissions, ...ownerPermissions]) {
      expect(await decide(permission)).toEqual({
        result: AuthorizeResult.DENY,
      });
    }
  });

  it.each(readPermissions.map(p => [p.name, p]))(
    'allows %s to any signed-in user',
    async (_name, permission) => {
      expect(allowedOn(await decide(permission, 'user:default/margaret'))).toBe(
        true,
      );
    },
  );

  it.each(ownerPermissions.map(p => [p.name, p]))(
    'allows %s to members of the owner group only',
    async (_name, permission) => {
      const forAlan = await decide(permission, 'user:default/alan');
      expect(forAlan.result).toBe(AuthorizeResult.CONDITIONAL);
      expect(allowedOn(forAlan, paymentsEntity)).toBe(true);
      expect(allowedOn(forAlan, entityOwnedBy('storefront-team'))).toBe(false);

      const forMargaret = await decide(permission, 'user:default/margaret');
      expect(allowedOn(forMargaret, paymentsEntity)).toBe(false);
      expect(allowedOn(forMargaret, entityOwnedBy('storefront-team'))).toBe(
        true,
      );
    },
  );

  it('lets the guest of the embedded defaults act on both of its teams, but not as admin', async () => {
    const trigger = await decide(
      pipelinesRunCreatePermission,
      'user:default/guest',
    );
    expect(allowedOn(trigger, paymentsEntity)).toBe(true);
    expect(allowedOn(trigger, entityOwnedBy('storefront-team'))).toBe(true);
    expect(allowedOn(trigger, entityOwnedBy('platform-team'))).toBe(false);
    expect(
      (await decide(catalogLocationCreatePermission, 'user:default/guest'))
        .result,
    ).toBe(AuthorizeResult.DENY);
  });

  it.each(adminPermissions.map(p => [p.name, p]))(
    'keeps %s for administrators (by group or by user)',
    async (_name, permission) => {
      expect((await decide(permission, 'user:default/alan')).result).toBe(
        AuthorizeResult.DENY,
      );
      expect((await decide(permission, 'user:default/ada')).result).toBe(
        AuthorizeResult.ALLOW,
      );
      expect((await decide(permission, 'user:default/root')).result).toBe(
        AuthorizeResult.ALLOW,
      );
    },
  );

  it('allows jira.component.create to any signed-in user; jira:component:create then checks the project scopes', async () => {
    for (const ref of [
      'user:default/alan',
      'user:default/guest',
      'user:default/ada',
    ]) {
      expect(await decide(jiraComponentCreatePermission, ref)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
    expect((await decide(jiraComponentCreatePermission)).result).toBe(
      AuthorizeResult.DENY,
    );
    // The action lets whom the policy allows raw JQL create in any project: admins only
    expect(
      (await decide(jiraSearchJqlPermission, 'user:default/guest')).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (await decide(jiraSearchJqlPermission, 'user:default/ada')).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('gives administrators every owner permission on any entity', async () => {
    for (const permission of ownerPermissions) {
      const decision = await decide(permission, 'user:default/ada');
      expect(decision).toEqual({ result: AuthorizeResult.ALLOW });
    }
  });

  it('lets the scaffolder register a location for any signed-in user', async () => {
    expect(
      (
        await decide(
          catalogLocationCreatePermission,
          'user:default/alan',
          'plugin:scaffolder',
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (
        await decide(
          catalogLocationDeletePermission,
          'user:default/alan',
          'plugin:scaffolder',
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
    expect(
      (
        await decide(
          catalogLocationCreatePermission,
          'user:default/alan',
          'plugin:catalog',
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
  });

  it('lets signed-in users approve, but never through an AI or MCP client', async () => {
    expect(
      (await decide(pipelinesRunApprovePermission, 'user:default/alan')).result,
    ).toBe(AuthorizeResult.ALLOW);
    for (const actor of ['plugin:mcp-actions', 'plugin:ai-assistant']) {
      for (const ref of ['user:default/alan', 'user:default/ada']) {
        expect(
          (await decide(pipelinesRunApprovePermission, ref, actor)).result,
        ).toBe(AuthorizeResult.DENY);
        expect(
          (await decide(jenkinsBuildAbortPermission, ref, actor)).result,
        ).toBe(AuthorizeResult.DENY);
      }
      // Other writes through an AI stay the owner's
      const trigger = await decide(
        pipelinesRunCreatePermission,
        'user:default/alan',
        actor,
      );
      expect(allowedOn(trigger, paymentsEntity)).toBe(true);
    }
  });

  it('allows safe scaffolder steps and keeps dangerous ones for administrators', async () => {
    const decision = await decide(actionExecutePermission, 'user:default/alan');
    expect(decision.result).toBe(AuthorizeResult.CONDITIONAL);
    const step = (action: string, input: object) => ({ action, input });

    expect(allowedOn(decision, step('fetch:template', { url: './x' }))).toBe(
      true,
    );
    expect(allowedOn(decision, step('catalog:register', {}))).toBe(true);
    expect(
      allowedOn(
        decision,
        step('jenkins:job:create', {
          name: 'api',
          repoUrl: 'https://git.example.com/a.git',
        }),
      ),
    ).toBe(true);
    for (const key of ['configXml', 'configXmlPath', 'credentialsId']) {
      expect(
        allowedOn(
          decision,
          step('jenkins:job:create', { name: 'api', [key]: 'x' }),
        ),
      ).toBe(false);
    }
    expect(
      allowedOn(
        decision,
        step('sonarqube:project:create', { projectKey: 'k', name: 'n' }),
      ),
    ).toBe(true);
    expect(
      allowedOn(
        decision,
        step('sonarqube:project:create', {
          projectKey: 'k',
          name: 'n',
          qualityGate: 'Sonar way',
        }),
      ),
    ).toBe(false);
    expect(
      allowedOn(
        decision,
        step('sonarqube:project:create', {
          projectKey: 'k',
          name: 'n',
          newCodeDefinition: { type: 'NUMBER_OF_DAYS', value: '30' },
        }),
      ),
    ).toBe(false);
    // The same input on another action is not dangerous
    expect(
      allowedOn(decision, step('fetch:plain', { credentialsId: 'x' })),
    ).toBe(true);

    expect(await decide(actionExecutePermission, 'user:default/ada')).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('lets users start templates and cancel only their own tasks', async () => {
    expect(
      (await decide(taskCreatePermission, 'user:default/alan')).result,
    ).toBe(AuthorizeResult.ALLOW);
    const cancel = await decide(taskCancelPermission, 'user:default/alan');
    expect(
      allowedOn(cancel, { spec: {}, createdBy: 'user:default/alan' }),
    ).toBe(true);
    expect(
      allowedOn(cancel, { spec: {}, createdBy: 'user:default/margaret' }),
    ).toBe(false);
  });

  it('allows unknown reads and denies unknown writes', async () => {
    const read = createPermission({
      name: 'someplugin.thing.read',
      attributes: { action: 'read' },
    });
    const write = createPermission({
      name: 'someplugin.thing.update',
      attributes: { action: 'update' },
    });
    const noAction = createPermission({
      name: 'someplugin.thing.do',
      attributes: {},
    });
    expect((await decide(read, 'user:default/alan')).result).toBe(
      AuthorizeResult.ALLOW,
    );
    expect((await decide(write, 'user:default/alan')).result).toBe(
      AuthorizeResult.DENY,
    );
    expect((await decide(noAction, 'user:default/alan')).result).toBe(
      AuthorizeResult.DENY,
    );
    expect((await decide(write, 'user:default/ada')).result).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it('falls back to the info the permission backend passes without a userInfo service', async () => {
    const plain = new CometPermissionPolicy({
      config: new ConfigReader({
        permission: { comet: { admins: ['user:default/alan'] } },
      }),
    });
    expect(
      (
        await plain.handle(
          { permission: jenkinsJobConfigurePermission },
          userOf('user:default/alan'),
        )
      ).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('has no administrators unless configured', async () => {
    const none = policyWith();
    expect(
      (
        await none.handle(
          { permission: catalogLocationCreatePermission },
          userOf('user:default/ada'),
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
  });

  it('refuses malformed permission.comet config, naming the key', () => {
    expect(() => policyWith({ admins: ['not a ref'] })).toThrow(
      /permission\.comet\.admins\[0\] "not a ref"/,
    );
    expect(() => policyWith({ admins: ['component:default/x'] })).toThrow(
      /permission\.comet\.admins\[0\] "component:default\/x" must name a user or a group/,
    );
    expect(() =>
      policyWith({ services: { 'plugin:catalog': ['pipelines.run.create'] } }),
    ).toThrow(/permission\.comet\.services\.plugin:catalog/);
    expect(() =>
      policyWith({ services: { 'release-bot': ['not a name'] } }),
    ).toThrow(/permission\.comet\.services\.release-bot lists "not a name"/);
  });
});
