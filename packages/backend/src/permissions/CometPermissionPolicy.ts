import type { UserInfoService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isResourcePermission,
  type PermissionCondition,
  type PermissionCriteria,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  createScaffolderActionConditionalDecision,
  createScaffolderTaskConditionalDecision,
  scaffolderActionConditions,
  scaffolderTaskConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  type CometPermissionConfig,
  normalizeEntityRef,
  readCometPermissionConfig,
} from './CometPermissionConfig';

/** Plugins that act for a user as an AI: the MCP endpoint and Comet's assistant. */
export const AI_ACTORS: ReadonlySet<string> = new Set([
  'plugin:mcp-actions',
  'plugin:ai-assistant',
]);

/** What an AI acting for a user may never do, even for an administrator. */
export const AI_FORBIDDEN_PERMISSIONS: ReadonlySet<string> = new Set([
  'pipelines.run.approve',
  'jenkins.build.abort',
]);

/** The scaffolder, which registers a template's new entity for the user who ran it. */
export const SCAFFOLDER_ACTOR = 'plugin:scaffolder';

/** What the scaffolder may do for any signed-in user while running a template. */
export const SCAFFOLDER_GRANTED_PERMISSIONS: ReadonlySet<string> = new Set([
  'catalog.location.create',
]);

/** Writes to an entity that its owner group's members may do. */
const OWNER_PERMISSIONS = new Set([
  'catalog.entity.delete',
  'catalog.entity.refresh',
  'pipelines.run.create',
  'pipelines.run.cancel',
  'jenkins.build.trigger',
  'jenkins.build.abort',
  'jira.issue.create',
  'jira.issue.update',
  // As for Comet runs: owners re-run and cancel their GitHub Actions runs
  'github.workflowRun.rerun',
  'github.workflowRun.cancel',
  // A pull request changing the entity's pipeline files
  'github.pullRequest.create',
  // Recording starts a browser on the backend; runs execute the suite's web server command
  'test-recorder.suite.record',
  'test-recorder.suite.edit',
  'test-recorder.suite.run',
  'test-recorder.baseline.accept',
  // A portal-side override of the entity's wiring (Comet's Integrations card)
  'comet.integrations.override',
]);

/** Any signed-in user (the pipelines service then checks the environment's approvers). */
const SIGNED_IN_PERMISSIONS = new Set([
  'catalog.entity.validate',
  'catalog.location.analyze',
  'pipelines.run.approve',
  'scaffolder.task.create',
  // The assistant acts only through actions, each checked with the user's own permissions
  'ai-assistant.chat.use',
  // jira:component:create then limits it to the projects within the user's groups'
  // comet.resourceScopes.<group>.jira; whom this policy allows jira.search.jql (admins) it
  // does not limit
  'jira.component.create',
]);

/** Administrators only, whatever their attributes say. */
export const ADMIN_PERMISSIONS = new Set([
  'catalog.entity.create',
  'catalog.location.create',
  'catalog.location.delete',
  'catalog.ingestion.manage',
  'catalog.entities.unprocessed.delete',
  'jenkins.job.configure',
  'sonarqube.project.configure',
  // Raw JQL sees all that Comet's Jira account sees, beyond any one entity (whom it allows,
  // jira:component:create lets create components in any project)
  'jira.search.jql',
  'scaffolder.template.dry-run',
  'scaffolder.template.management',
  // Every user's token usage; the failure knowledge base every analysis uses
  'ai-assistant.usage.read',
  'ai-assistant.rules.manage',
]);

/**
 * Scaffolder steps only an administrator may run: a Jenkins job from raw config.xml or with
 * Jenkins credentials runs anything as the Jenkins user; a SonarQube project with a quality gate
 * or a new-code definition decides what may ship. The actions check `jenkins.job.configure` and
 * `sonarqube.project.configure` themselves too; this stops the step before it starts.
 */
const DANGEROUS_STEPS: Array<{ actionId: string; inputs: string[] }> = [
  {
    actionId: 'jenkins:job:create',
    inputs: ['configXml', 'configXmlPath', 'credentialsId'],
  },
  {
    actionId: 'sonarqube:project:create',
    inputs: ['qualityGate', 'newCodeDefinition.type'],
  },
];

type ActionCriteria = PermissionCriteria<
  PermissionCondition<'scaffolder-action'>
>;

function dangerousStepConditions(): [ActionCriteria, ...ActionCriteria[]] {
  const [first, ...rest] = DANGEROUS_STEPS.flatMap(({ actionId, inputs }) =>
    inputs.map(
      (key): ActionCriteria => ({
        allOf: [
          scaffolderActionConditions.hasActionId({ actionId }),
          scaffolderActionConditions.hasStringProperty({ key }),
        ],
      }),
    ),
  );
  return [first, ...rest];
}

const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * Comet's permission policy. Administrators (`permission.comet.admins`, users or groups) may
 * do everything except what an AI may never do; everyone else reads, and writes only to what
 * their groups own. The table is in docs/security.md ("Roles and permissions").
 *
 * Service principals never reach a policy (Backstage's permissions service decides them from
 * their access restrictions); `CometPermissionsService` narrows what static tokens may do.
 */
export class CometPermissionPolicy implements PermissionPolicy {
  private readonly settings: CometPermissionConfig;
  private readonly userInfo?: UserInfoService;

  static fromConfig(
    config: Config,
    options?: { userInfo?: UserInfoService },
  ): CometPermissionPolicy {
    return new CometPermissionPolicy({ config, userInfo: options?.userInfo });
  }

  /**
   * @param options.config the root config (`permission.comet`)
   * @param options.userInfo the user's ownership refs (user and groups); without it the
   *   `info` the permission backend passes along is used
   */
  constructor(options: { config: Config; userInfo?: UserInfoService }) {
    this.settings = readCometPermissionConfig(options.config);
    this.userInfo = options.userInfo;
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) {
      // Not signed in: nothing (only reachable with the default auth policy turned off)
      return deny;
    }
    const { permission } = request;
    const principal = user.credentials.principal as {
      userEntityRef?: string;
      actor?: { subject?: string };
    };
    const actor = principal.actor?.subject;
    if (
      actor &&
      AI_ACTORS.has(actor) &&
      AI_FORBIDDEN_PERMISSIONS.has(permission.name)
    ) {
      return deny;
    }

    const ownership = await this.ownershipRefs(user);
    if (ownership.some(ref => this.settings.admins.has(ref))) {
      return allow;
    }

    if (
      actor === SCAFFOLDER_ACTOR &&
      SCAFFOLDER_GRANTED_PERMISSIONS.has(permission.name)
    ) {
      return allow;
    }
    if (ADMIN_PERMISSIONS.has(permission.name)) {
      return deny;
    }
    if (OWNER_PERMISSIONS.has(permission.name)) {
      if (!isResourcePermission(permission, 'catalog-entity')) {
        return deny;
      }
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: ownership }),
      );
    }
    if (SIGNED_IN_PERMISSIONS.has(permission.name)) {
      return allow;
    }
    if (
      permission.name === 'scaffolder.action.execute' &&
      isResourcePermission(permission, 'scaffolder-action')
    ) {
      return createScaffolderActionConditionalDecision(permission, {
        not: { anyOf: dangerousStepConditions() },
      });
    }
    if (
      permission.name === 'scaffolder.task.cancel' &&
      isResourcePermission(permission, 'scaffolder-task') &&
      principal.userEntityRef
    ) {
      return createScaffolderTaskConditionalDecision(
        permission,
        scaffolderTaskConditions.isTaskOwner({
          createdBy: [principal.userEntityRef],
        }),
      );
    }
    // Anything else: reading is for every signed-in user, as catalog read is; a write nobody
    // listed here is an administrator's until it is added
    return permission.attributes.action === 'read' ? allow : deny;
  }

  private async ownershipRefs(user: PolicyQueryUser): Promise<string[]> {
    const info = this.userInfo
      ? await this.userInfo.getUserInfo(user.credentials)
      : // eslint-disable-next-line @typescript-eslint/no-deprecated
        user.info;
    const refs = [info.userEntityRef, ...info.ownershipEntityRefs];
    return [...new Set(refs.map(normalizeEntityRef))];
  }
}
