import type {
  AuditorService,
  AuthService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import type { Entity } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { audited, EntityAccess } from '@internal/backend-common';
import type { ConfiguredInstances } from '@internal/plugin-catalog-backend-module-comet';
import {
  cometIntegrationsOverridePermission,
  isWiringAnnotation,
  OVERRIDDEN_ANNOTATIONS_ANNOTATION,
  WIRING_ANNOTATIONS,
  type WiringAnnotation,
  type WiringChangeResponse,
  type WiringChoices,
  type WiringOptionsResponse,
  type WiringOverride,
  type WiringResponse,
} from '@internal/plugin-comet-common';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  githubPullRequestCreatePermission,
} from '@internal/plugin-github-common';
import {
  ANNOTATION_JIRA_PROJECT_KEY,
  parseJiraProjectKeyAnnotation,
} from '@internal/plugin-jira-common';
import type { JiraInstances } from '@internal/plugin-jira-node';
import { HealthActions } from '../service/HealthActions';
import type { DatabaseWiringOverrideStore } from './DatabaseWiringOverrideStore';
import {
  fieldError,
  LIST_PIPELINE_FILES_ACTION,
  type PipelineFileListing,
  type WiringValidator,
} from './WiringValidator';

/** The GitHub action that proposes a change of `catalog-info.yaml` as a pull request. */
export const PROPOSE_CATALOG_CHANGE_ACTION = 'github:propose-catalog-change';
/** The test recorder's list of an entity's suites, read as the caller. */
export const LIST_SUITES_ACTION = 'test-recorder:list-suites';
/** The families' live lists, read as the caller (their scopes narrow them). */
export const SEARCH_JOBS_ACTION = 'jenkins:search-jobs';
export const SEARCH_PROJECTS_ACTION = 'sonarqube:search-projects';
export const LIST_PROJECTS_ACTION = 'jira:list-projects';
/** Choices per live list: the families' largest page. */
export const LIVE_LIST_LIMIT = 100;

/** What every family's list action answers besides its items. */
type LiveList = {
  truncated: boolean;
  errors: Array<{ instance: string; message: string }>;
};

/** A change as the router passes it on: the annotations are checked by the validator. */
export type WiringChange = {
  entityRef: string;
  annotations: Record<string, unknown>;
  mode: 'pull-request' | 'override';
};

/** A project of `jira:list-projects` or `sonarqube:search-projects`. */
type Project = { name: string; ref: string };
/** A job of `jenkins:search-jobs`. */
type Job = { ref: string };

/** What an audited write passes on to the auditor (the HTTP request). */
export type IntegrationsAuditContext = { request?: any };

function userRefOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
  };
  if (principal.type !== 'user' || !principal.userEntityRef) {
    throw new NotAllowedError(
      'Only a signed-in user can change an entity’s wiring: the override and the audit name them',
    );
  }
  return principal.userEntityRef;
}

function wiringOf(entity: Entity): Partial<Record<WiringAnnotation, string>> {
  const annotations = entity.metadata.annotations ?? {};
  const wiring: Partial<Record<WiringAnnotation, string>> = {};
  for (const key of WIRING_ANNOTATIONS) {
    if (annotations[key] !== undefined) wiring[key] = annotations[key];
  }
  return wiring;
}

function overriddenOf(entity: Entity): WiringAnnotation[] {
  return (
    entity.metadata.annotations?.[OVERRIDDEN_ANNOTATIONS_ANNOTATION] ?? ''
  )
    .split(',')
    .map(key => key.trim())
    .filter(isWiringAnnotation);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The Integrations card's backend: an entity's wiring (its Jira, Jenkins, SonarQube, test
 * suite and pipeline annotations), the choices for each, and changes applied as a pull request
 * on `catalog-info.yaml` (through GitHub's action, as the caller) or as a portal-side override
 * (owners and admins, stored, audited, merged by the catalog processor). The entity is always
 * read as the caller.
 */
export class IntegrationsService {
  static create(options: {
    catalog: CatalogService;
    actions: ActionsService;
    permissions: PermissionsService;
    auditor: AuditorService;
    auth: AuthService;
    logger: LoggerService;
    store: DatabaseWiringOverrideStore;
    validator: WiringValidator;
    instances: ConfiguredInstances;
    jira: Pick<JiraInstances, 'select'>;
    clock?: { now(): number };
  }): IntegrationsService {
    return new IntegrationsService(options);
  }

  private readonly access: EntityAccess;
  private readonly clock: { now(): number };

  private constructor(
    private readonly options: Parameters<typeof IntegrationsService.create>[0],
  ) {
    this.access = EntityAccess.create({
      catalog: options.catalog,
      permissions: options.permissions,
    });
    this.clock = options.clock ?? Date;
  }

  private actionsOf(credentials: BackstageCredentials): HealthActions {
    return HealthActions.create({ actions: this.options.actions, credentials });
  }

  /** `pull-request` when the entity's repository is on GitHub and GitHub's action is there. */
  private async modeOf(
    entity: Entity,
    actions: HealthActions,
  ): Promise<{ mode: 'pull-request' | 'override'; reason?: string }> {
    if (!entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION]) {
      return {
        mode: 'override',
        reason: `The entity has no ${GITHUB_PROJECT_SLUG_ANNOTATION}, so its catalog-info.yaml cannot be changed through GitHub`,
      };
    }
    if (!(await actions.has(PROPOSE_CATALOG_CHANGE_ACTION))) {
      return {
        mode: 'override',
        reason: `GitHub's ${PROPOSE_CATALOG_CHANGE_ACTION} action is not available (GitHub is not configured, or github is not in backend.actions.pluginSources)`,
      };
    }
    return { mode: 'pull-request' };
  }

  async wiring(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<WiringResponse> {
    const decided = await this.access.entity(credentials, entityRef, {
      check: [cometIntegrationsOverridePermission],
    });
    const override = await this.options.store.get(decided.entityRef);
    const { mode, reason } = await this.modeOf(
      decided.entity,
      this.actionsOf(credentials),
    );
    return {
      entityRef: decided.entityRef,
      annotations: wiringOf(decided.entity),
      ...(override ? { override } : {}),
      overridden: overriddenOf(decided.entity),
      mode,
      ...(reason ? { modeReason: reason } : {}),
      canOverride: decided.allowed(cometIntegrationsOverridePermission),
    };
  }

  /**
   * The choices of each field. Some lists come from Comet's own accounts (Jira components), so
   * only callers who may change the entity's wiring (as an override or a pull request) get them.
   */
  async choices(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<WiringOptionsResponse> {
    const decided = await this.access.entity(credentials, entityRef, {
      check: [
        cometIntegrationsOverridePermission,
        githubPullRequestCreatePermission,
      ],
    });
    if (
      !decided.allowed(cometIntegrationsOverridePermission) &&
      !decided.allowed(githubPullRequestCreatePermission)
    ) {
      throw new NotAllowedError(
        `You may not change the wiring of ${decided.entityRef}: it needs ${cometIntegrationsOverridePermission.name} or ${githubPullRequestCreatePermission.name} on it (its owners and admins have them)`,
      );
    }
    const { families } = this.options.instances;
    const names = (list?: Array<{ name: string }>) =>
      list?.map(i => i.name).join(', ') ?? '';
    const text = (hint: string, notConfigured?: string): WiringChoices => ({
      input: 'text',
      values: [],
      hint,
      ...(notConfigured ? { notConfigured } : {}),
    });
    const jiraProjects =
      decided.entity.metadata.annotations?.[ANNOTATION_JIRA_PROJECT_KEY];
    const jiraNotConfigured =
      families.jira?.length === 0
        ? 'not configured: set jira.instances (name, baseUrl, credentials)'
        : undefined;
    const actions = this.actionsOf(credentials);
    const jenkinsNotConfigured =
      families.jenkins?.length === 0
        ? 'not configured: set jenkins.instances (or jenkins.baseUrl)'
        : undefined;
    const sonarQubeNotConfigured =
      families.sonarqube?.length === 0
        ? 'not configured: set sonarqube.instances (or sonarqube.baseUrl)'
        : undefined;
    const [
      components,
      suites,
      pipelineFiles,
      jiraProjectChoices,
      jobs,
      sonarQubeProjects,
    ] = await Promise.all([
      jiraNotConfigured
        ? text('', jiraNotConfigured)
        : this.jiraComponents(jiraProjects),
      this.suites(credentials, decided.entityRef),
      this.pipelineFiles(actions, decided.entityRef),
      this.liveList(actions, {
        actionId: LIST_PROJECTS_ACTION,
        hint: `Jira project keys, comma-separated, e.g. PAY, or instance/KEY${
          families.jira?.length ? ` (instances: ${names(families.jira)})` : ''
        }`,
        notConfigured: jiraNotConfigured,
        read: (output: LiveList & { projects: Project[] }) =>
          output.projects.map(p => ({
            value: p.ref,
            label: `${p.name} (${p.ref})`,
          })),
      }),
      this.liveList(actions, {
        actionId: SEARCH_JOBS_ACTION,
        hint: `[instance:]folder/job, comma-separated${
          families.jenkins?.length
            ? ` (instances: ${names(families.jenkins)})`
            : ''
        }`,
        notConfigured: jenkinsNotConfigured,
        read: (output: LiveList & { jobs: Job[] }) =>
          output.jobs.map(j => ({ value: j.ref, label: j.ref })),
      }),
      this.liveList(actions, {
        actionId: SEARCH_PROJECTS_ACTION,
        hint: `[instance/]key, comma-separated${
          families.sonarqube?.length
            ? ` (instances: ${names(families.sonarqube)})`
            : ''
        }`,
        notConfigured: sonarQubeNotConfigured,
        read: (output: LiveList & { projects: Project[] }) =>
          output.projects.map(p => ({
            value: p.ref,
            label: `${p.name} (${p.ref})`,
          })),
      }),
    ]);
    return {
      entityRef: decided.entityRef,
      fields: {
        'jira/project-key': jiraProjectChoices,
        'jira/component': components,
        'jenkins.io/job-full-name': jobs,
        'sonarqube.org/project-key': sonarQubeProjects,
        'comet.dev/test-suites': suites,
        'comet.dev/pipelines': pipelineFiles,
      },
    };
  }

  private async jiraComponents(
    projectKeys: string | undefined,
  ): Promise<WiringChoices> {
    const hint = `A component of the entity's Jira project (${ANNOTATION_JIRA_PROJECT_KEY})`;
    const parsed = parseJiraProjectKeyAnnotation(projectKeys ?? '');
    if (!projectKeys || !parsed.ok) {
      return {
        input: 'text',
        values: [],
        hint: `${hint}; set ${ANNOTATION_JIRA_PROJECT_KEY} first to pick from its components`,
      };
    }
    try {
      const values: WiringChoices['values'] = [];
      for (const project of parsed.projects) {
        for (const component of await this.options.jira
          .select(project.instance)
          .getComponents(project.projectKey)) {
          values.push({
            value: component.name,
            label: `${component.name} (${project.projectKey})`,
          });
        }
      }
      return { input: 'list', values, hint };
    } catch (error) {
      return { input: 'text', values: [], hint, error: messageOf(error) };
    }
  }

  /**
   * A family's live list, read with its action as the caller (so the family's scopes apply),
   * or free text saying why there is none: the family is not configured, its action is not
   * offered, or reading failed. Typed values are validated on save either way.
   */
  private async liveList<T extends LiveList>(
    actions: HealthActions,
    list: {
      actionId: string;
      hint: string;
      notConfigured?: string;
      /** The choices from the action's items: the annotation value and a label. */
      read: (output: T) => WiringChoices['values'];
    },
  ): Promise<WiringChoices> {
    const { actionId, hint, notConfigured } = list;
    if (notConfigured) {
      return { input: 'text', values: [], hint, notConfigured };
    }
    if (!(await actions.has(actionId))) {
      return {
        input: 'text',
        values: [],
        hint: `${hint}; ${actionId} is not available to list them (add ${
          actionId.split(':')[0]
        } to backend.actions.pluginSources)`,
      };
    }
    try {
      const output = await actions.invoke<T>(actionId, {
        limit: LIVE_LIST_LIMIT,
      });
      const failed = output.errors.map(e => `${e.instance}: ${e.message}`);
      return {
        input: 'list',
        values: list.read(output),
        hint: output.truncated
          ? `${hint}; the first ${LIVE_LIST_LIMIT} are listed, type any other`
          : hint,
        ...(failed.length ? { error: failed.join('; ') } : {}),
      };
    } catch (error) {
      return { input: 'text', values: [], hint, error: messageOf(error) };
    }
  }

  /**
   * The pipeline files of the entity's repository at its default branch, listed by the
   * pipelines backend as the caller (so only for those who may read its runs), or typed paths
   * saying why there is no list.
   */
  private async pipelineFiles(
    actions: HealthActions,
    entityRef: string,
  ): Promise<WiringChoices> {
    const hint =
      'Repository paths of pipeline files, comma-separated, e.g. .comet/pipeline.yaml';
    if (!(await actions.has(LIST_PIPELINE_FILES_ACTION))) {
      return {
        input: 'text',
        values: [],
        hint: `${hint}; ${LIST_PIPELINE_FILES_ACTION} is not available to list them (add pipelines to backend.actions.pluginSources)`,
      };
    }
    try {
      const listing = await actions.invoke<PipelineFileListing>(
        LIST_PIPELINE_FILES_ACTION,
        { entityRef },
      );
      return {
        input: 'list',
        values: listing.files.map(file => ({
          value: file.path,
          label: file.name ? `${file.name} (${file.path})` : file.path,
        })),
        hint: `${hint}: the YAML files of .comet/ and the declared ones in ${
          listing.repositoryUrl
        } at ${listing.ref} (commit ${listing.commit.slice(
          0,
          12,
        )}); a typed path must exist there`,
      };
    } catch (error) {
      return { input: 'text', values: [], hint, error: messageOf(error) };
    }
  }

  private async suites(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<WiringChoices> {
    const hint =
      'Test suite names, comma-separated (lower case, digits, dashes)';
    const actions = this.actionsOf(credentials);
    if (!(await actions.has(LIST_SUITES_ACTION))) {
      return {
        input: 'text',
        values: [],
        hint,
        notConfigured:
          'not configured: add the test recorder backend and test-recorder to backend.actions.pluginSources',
      };
    }
    try {
      const { suites } = await actions.invoke<{
        suites: Array<{ name: string; title?: string }>;
      }>(LIST_SUITES_ACTION, { entityRef });
      return {
        input: 'list',
        values: suites.map(s => ({
          value: s.name,
          label: s.title ? `${s.title} (${s.name})` : s.name,
        })),
        hint,
      };
    } catch (error) {
      return { input: 'text', values: [], hint, error: messageOf(error) };
    }
  }

  /** `POST /wiring`: validates the change, then proposes it or saves it as an override. */
  async change(
    credentials: BackstageCredentials,
    request: WiringChange,
    audit: IntegrationsAuditContext = {},
  ): Promise<WiringChangeResponse> {
    if (request.mode === 'pull-request') {
      return this.proposePullRequest(credentials, request);
    }
    return this.saveOverride(credentials, request, audit);
  }

  private async proposePullRequest(
    credentials: BackstageCredentials,
    request: WiringChange,
  ): Promise<WiringChangeResponse> {
    const user = userRefOf(credentials);
    const decided = await this.access.entity(credentials, request.entityRef, {
      require: [githubPullRequestCreatePermission],
      fresh: true,
    });
    const actions = this.actionsOf(credentials);
    const { mode, reason } = await this.modeOf(decided.entity, actions);
    if (mode !== 'pull-request') {
      throw fieldError('mode', `${reason}; save an override instead`);
    }
    const change = await this.options.validator.validate(
      decided.entity,
      request.annotations,
      actions,
    );
    const output = await actions.invoke<{ htmlUrl: string }>(
      PROPOSE_CATALOG_CHANGE_ACTION,
      {
        entityRef: decided.entityRef,
        annotations: change,
        title: `Wire ${decided.entity.metadata.name} to ${Object.keys(change)
          .sort()
          .join(', ')}`,
        body: `Proposed from Comet's Integrations card by ${user}.`,
      },
    );
    return { mode: 'pull-request', pullRequestUrl: output.htmlUrl };
  }

  private async saveOverride(
    credentials: BackstageCredentials,
    request: WiringChange,
    audit: IntegrationsAuditContext,
  ): Promise<WiringChangeResponse> {
    return audited(
      this.options.auditor,
      {
        eventId: 'integrations-override-save',
        // Annotation names and values only: they are no secret, and the entity shows them
        meta: {
          entityRef: request.entityRef,
          keys: Object.keys(request.annotations ?? {}).sort(),
        },
        request: audit.request,
      },
      async () => {
        const user = userRefOf(credentials);
        const decided = await this.access.entity(
          credentials,
          request.entityRef,
          { require: [cometIntegrationsOverridePermission], fresh: true },
        );
        const change = await this.options.validator.validate(
          decided.entity,
          request.annotations,
          this.actionsOf(credentials),
        );
        const override: WiringOverride = {
          entityRef: decided.entityRef.toLocaleLowerCase('en-US'),
          annotations: change,
          updatedBy: user,
          updatedAt: new Date(this.clock.now()).toISOString(),
        };
        const previous = await this.options.store.put(override);
        await this.refresh(decided.entityRef);
        return { override, previous };
      },
      ({ override, previous }) => ({
        entityRef: override.entityRef,
        before: previous?.annotations ?? {},
        after: override.annotations,
      }),
    ).then(({ override }) => ({ mode: 'override' as const, override }));
  }

  /** `DELETE /wiring`: removes the entity's override (owners and admins). */
  async removeOverride(
    credentials: BackstageCredentials,
    entityRef: string,
    audit: IntegrationsAuditContext = {},
  ): Promise<{ removed: WiringOverride }> {
    return audited(
      this.options.auditor,
      {
        eventId: 'integrations-override-delete',
        meta: { entityRef },
        request: audit.request,
      },
      async () => {
        userRefOf(credentials);
        const decided = await this.access.entity(credentials, entityRef, {
          require: [cometIntegrationsOverridePermission],
          fresh: true,
        });
        const removed = await this.options.store.delete(decided.entityRef);
        if (!removed) {
          throw new NotFoundError(
            `${decided.entityRef} has no portal-side override of its wiring`,
          );
        }
        await this.refresh(decided.entityRef);
        return { removed };
      },
      ({ removed }) => ({
        entityRef: removed.entityRef,
        before: removed.annotations,
        after: {},
      }),
    );
  }

  /** Every override, for the catalog processor. */
  async listOverrides(
    credentials: BackstageCredentials,
  ): Promise<{ overrides: WiringOverride[] }> {
    const principal = credentials.principal as {
      type?: string;
      subject?: string;
    };
    if (
      principal.type !== 'service' ||
      principal.subject !== 'plugin:catalog'
    ) {
      throw new NotAllowedError(
        'Only the catalog reads every override (its processor merges them into entities)',
      );
    }
    return { overrides: await this.options.store.list() };
  }

  /** Asks the catalog to process the entity again, as Comet; a failure only delays it. */
  private async refresh(entityRef: string) {
    try {
      await this.options.catalog.refreshEntity(entityRef, {
        credentials: await this.options.auth.getOwnServiceCredentials(),
      });
    } catch (error) {
      this.options.logger.warn(
        `Could not ask the catalog to refresh ${entityRef} after a change of its wiring; it applies at the next processing: ${messageOf(
          error,
        )}`,
      );
    }
  }
}
