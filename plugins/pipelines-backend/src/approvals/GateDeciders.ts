import type {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type {
  PipelineJobRun,
  PipelineRun,
} from '@internal/plugin-pipelines-common';
import { ownerRefsOf } from '../secrets/ownersOfEntity';
import type { PipelineStore } from '../store/PipelineStore';
import {
  ApprovalEnvironments,
  normalizeApproverRef,
} from './ApprovalEnvironments';

/** How far back a chain of re-runs is followed for the people who triggered it. */
const MAX_RERUN_HOPS = 20;

/** The portal's name for whoever holds the credentials: a user ref, or a service's subject. */
export function actorOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    userEntityRef?: string;
    subject?: string;
  };
  return principal.userEntityRef ?? principal.subject ?? 'unknown';
}

function list(refs: readonly string[]): string {
  return refs.join(', ');
}

/**
 * Who may decide an approval gate, checked on every decision (not when the run started, so
 * an approver removed from the config or a group can no longer decide):
 *
 * 1. Nobody who triggered the run, or a run it re-runs: a gate is someone else's decision.
 *    This holds for service principals (a release bot) too.
 * 2. A signed-in user, never a service.
 * 3. One of the approvers of the gate's environment (`pipelines.environments.<env>.approvers`),
 *    or, for a gate that names no environment, a member of the entity's owner group. A user
 *    matches a ref directly or through the ownership refs of their sign-in and the groups the
 *    catalog lists them in.
 * 4. When the pipeline file lists `approvers`, one of those as well: the file narrows the list
 *    and can never widen it, so a file approver outside the environment's list decides nothing.
 */
export class GateDeciders {
  constructor(
    private readonly options: {
      environments: ApprovalEnvironments;
      userInfo: UserInfoService;
      catalog: Pick<CatalogService, 'getEntityByRef'>;
      store: Pick<PipelineStore, 'getRun'>;
    },
  ) {}

  /** Throws a NotAllowedError saying why, unless the caller may decide `gate` of `run`. */
  async check(request: {
    run: PipelineRun;
    gate: PipelineJobRun;
    entity: Entity;
    credentials: BackstageCredentials;
  }): Promise<void> {
    const { run, gate, entity, credentials } = request;
    const actor = actorOf(credentials);
    const triggeredBy = await this.triggerersOf(run);
    const own = triggeredBy.get(actor.toLocaleLowerCase('en-US'));
    if (own) {
      throw new NotAllowedError(
        `${actor} triggered ${
          own === run.runId
            ? `run ${run.runId}`
            : `run ${own}, which run ${run.runId} re-runs`
        }, so cannot decide its gate ${
          gate.jobRunId
        }: someone else among its approvers must`,
      );
    }
    const principal = credentials.principal as {
      type: string;
      userEntityRef?: string;
    };
    if (principal.type !== 'user' || !principal.userEntityRef) {
      throw new NotAllowedError(
        `${actor} is not a signed-in user; only a person among the approvers decides gate ${gate.jobRunId}`,
      );
    }

    const environment = gate.approval?.environment;
    let allowed: readonly string[];
    let who: string;
    if (environment) {
      const configured = this.options.environments.approversOf(environment);
      if (!configured) {
        throw new NotAllowedError(
          `Gate ${gate.jobRunId} releases to environment "${environment}", which this backend does not configure; an administrator must set pipelines.environments.${environment}.approvers before anyone can decide it`,
        );
      }
      allowed = configured;
      who = `the approvers of environment "${environment}" (${list(
        configured,
      )})`;
    } else {
      allowed = ownerRefsOf(entity)
        .map(normalizeApproverRef)
        .filter((ref): ref is string => ref !== undefined);
      if (allowed.length === 0) {
        throw new NotAllowedError(
          `Gate ${gate.jobRunId} names no environment and ${entity.metadata.name} has no owner, so nobody may decide it; name an environment configured in pipelines.environments`,
        );
      }
      who = `members of ${list(allowed)} (the owner of ${
        entity.metadata.name
      })`;
    }
    const narrowing = (gate.approval?.approvers ?? [])
      .map(normalizeApproverRef)
      .filter((ref): ref is string => ref !== undefined);
    if (narrowing.length > 0) {
      who += `, narrowed by the pipeline file to ${list(narrowing)},`;
    }

    const identities = await this.identitiesOf(
      principal.userEntityRef,
      credentials,
    );
    const matches = (refs: readonly string[]) =>
      refs.some(ref => identities.has(ref));
    if (!matches(allowed) || (narrowing.length > 0 && !matches(narrowing))) {
      throw new NotAllowedError(
        `Only ${who} may decide gate ${gate.jobRunId}; ${actor} is not one of them`,
      );
    }
  }

  /**
   * Who triggered the run and each run it re-runs (lower-case actor -> the run they
   * triggered), so a user who re-runs someone else's run, or has it re-run, decides neither.
   */
  private async triggerersOf(run: PipelineRun): Promise<Map<string, string>> {
    const actors = new Map<string, string>();
    let current: PipelineRun | undefined = run;
    const seen = new Set<string>();
    for (let hop = 0; current && hop <= MAX_RERUN_HOPS; hop++) {
      if (seen.has(current.runId)) break;
      seen.add(current.runId);
      const actor = current.trigger.actor?.toLocaleLowerCase('en-US');
      if (actor && !actors.has(actor)) actors.set(actor, current.runId);
      const previous: string | undefined = current.trigger.rerunOf;
      current = previous
        ? await this.options.store.getRun(previous)
        : undefined;
    }
    return actors;
  }

  /** The user's ref and every group they belong to, as sign-in and the catalog say. */
  private async identitiesOf(
    userEntityRef: string,
    credentials: BackstageCredentials,
  ): Promise<Set<string>> {
    const refs = [userEntityRef];
    const [info, user] = await Promise.all([
      this.options.userInfo.getUserInfo(credentials).catch(() => undefined),
      this.options.catalog
        .getEntityByRef(userEntityRef, { credentials })
        .catch(() => undefined),
    ]);
    refs.push(...(info?.ownershipEntityRefs ?? []));
    for (const relation of user?.relations ?? []) {
      if (relation.type === 'memberOf') refs.push(relation.targetRef);
    }
    return new Set(
      refs
        .map(normalizeApproverRef)
        .filter((ref): ref is string => ref !== undefined),
    );
  }
}
