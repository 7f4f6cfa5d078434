import {
  type AuthService,
  type BackstageCredentials,
  type BackstageServicePrincipal,
  type BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
  type PermissionsService,
  type PermissionsServiceRequestOptions,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  type AuthorizePermissionRequest,
  type AuthorizePermissionResponse,
  type Permission,
  type QueryPermissionRequest,
  type QueryPermissionResponse,
} from '@backstage/plugin-permission-common';
import { ServerPermissionClient } from '@backstage/plugin-permission-node';
import {
  type CometPermissionConfig,
  readCometPermissionConfig,
} from './CometPermissionConfig';
import {
  ADMIN_PERMISSIONS,
  AI_ACTORS,
  AI_FORBIDDEN_PERMISSIONS,
  SCAFFOLDER_ACTOR,
  SCAFFOLDER_GRANTED_PERMISSIONS,
} from './CometPermissionPolicy';

type Verdict = AuthorizeResult.ALLOW | AuthorizeResult.DENY | undefined;

const denied: { result: AuthorizeResult.DENY } = {
  result: AuthorizeResult.DENY,
};

/**
 * The permissions service every Comet backend plugin gets: Backstage's own
 * (`ServerPermissionClient`), with the decisions its policy cannot make.
 *
 * - Service principals never reach the policy: Backstage allows them everything their access
 *   restrictions allow. A static-token principal (any subject not `plugin:<id>`) gets only
 *   read permissions here, plus what `permission.comet.services.<subject>` lists.
 * - The policy sees as actor only the plugin that asked the permission backend (the catalog,
 *   the pipelines plugin), never the plugin that called that plugin for the user. This service
 *   runs inside the asking plugin and sees its caller: a request the MCP actions plugin or the
 *   AI assistant makes for a user is refused `pipelines.run.approve` and `jenkins.build.abort`,
 *   and a request the scaffolder makes while running a template may register a location.
 */
export class CometPermissionsService implements PermissionsService {
  constructor(
    private readonly inner: PermissionsService,
    private readonly auth: AuthService,
    private readonly settings: CometPermissionConfig,
  ) {}

  authorize(
    requests: AuthorizePermissionRequest[],
    options: PermissionsServiceRequestOptions,
  ): Promise<AuthorizePermissionResponse[]> {
    return this.decide(requests, options, rest =>
      this.inner.authorize(rest, options),
    );
  }

  authorizeConditional(
    requests: QueryPermissionRequest[],
    options: PermissionsServiceRequestOptions,
  ): Promise<QueryPermissionResponse[]> {
    return this.decide(requests, options, rest =>
      this.inner.authorizeConditional(rest, options),
    );
  }

  private async decide<
    Q extends { permission: Permission },
    R extends { result: AuthorizeResult },
  >(
    requests: Q[],
    options: PermissionsServiceRequestOptions,
    ask: (requests: Q[]) => Promise<R[]>,
  ): Promise<
    Array<R | { result: AuthorizeResult.ALLOW | AuthorizeResult.DENY }>
  > {
    const credentials = options?.credentials;
    const external = credentials && this.externalSubject(credentials);
    if (external !== undefined) {
      // Backstage's answer (access restrictions), narrowed by Comet's read-only default
      const granted = this.settings.services.get(external);
      const answers = await ask(requests);
      return answers.map((answer, index) => {
        const { permission } = requests[index];
        // A read for administrators only (raw Jira JQL) is not a read for a static token
        const mayDo =
          (permission.attributes.action === 'read' &&
            !ADMIN_PERMISSIONS.has(permission.name)) ||
          granted?.has(permission.name) === true;
        return mayDo ? answer : denied;
      });
    }

    const verdicts = requests.map(request =>
      this.actorVerdict(credentials, request.permission),
    );
    const open = requests.filter((_, index) => verdicts[index] === undefined);
    const answers = open.length ? await ask(open) : [];
    let next = 0;
    return verdicts.map(verdict =>
      verdict === undefined ? answers[next++] : { result: verdict },
    );
  }

  /**
   * The subject of a service principal that is not a backend plugin (or is the MCP endpoint or
   * AI assistant acting for one), else undefined.
   */
  private externalSubject(
    credentials: BackstageCredentials,
  ): string | undefined {
    if (!this.auth.isPrincipal(credentials, 'service')) return undefined;
    const { subject } = credentials.principal as BackstageServicePrincipal;
    // The MCP endpoint and the AI assistant act for users with the user's own token (a user
    // principal with an actor). As a service principal they can only be acting for another
    // service, a static token, whose token Backstage swaps for theirs: they get what a token
    // without grants gets, reads.
    if (AI_ACTORS.has(subject)) return subject;
    return subject.startsWith('plugin:') ? undefined : subject;
  }

  private actorVerdict(
    credentials: BackstageCredentials | undefined,
    permission: Permission,
  ): Verdict {
    if (!credentials || !this.auth.isPrincipal(credentials, 'user')) {
      return undefined;
    }
    const actor = (credentials.principal as BackstageUserPrincipal).actor
      ?.subject;
    if (!actor) return undefined;
    if (AI_ACTORS.has(actor) && AI_FORBIDDEN_PERMISSIONS.has(permission.name)) {
      return AuthorizeResult.DENY;
    }
    if (
      actor === SCAFFOLDER_ACTOR &&
      SCAFFOLDER_GRANTED_PERMISSIONS.has(permission.name)
    ) {
      return AuthorizeResult.ALLOW;
    }
    return undefined;
  }
}

/**
 * Replaces the default permissions service (`backend.add(cometPermissionsServiceFactory)`):
 * Backstage's `ServerPermissionClient`, wrapped by {@link CometPermissionsService}.
 */
export const cometPermissionsServiceFactory = createServiceFactory({
  service: coreServices.permissions,
  deps: {
    auth: coreServices.auth,
    config: coreServices.rootConfig,
    discovery: coreServices.discovery,
  },
  async factory({ auth, config, discovery }) {
    return new CometPermissionsService(
      ServerPermissionClient.fromConfig(config, { auth, discovery }),
      auth,
      readCometPermissionConfig(config),
    );
  },
});
