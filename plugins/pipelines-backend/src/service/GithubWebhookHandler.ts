import { LoggerService } from '@backstage/backend-plugin-api';
import type {
  PipelineRunPullRequest,
  PipelineTriggers,
} from '@internal/plugin-pipelines-common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { pullRequestOf } from '../store/runLinks';
import { repositoryKey } from '../secrets/webhookSecrets';

export type WebhookTrigger = {
  repository: string;
  event: 'push' | 'pull_request';
  /** The branch or tag pushed, or the pull request's head branch. */
  ref: string;
  refType: 'branch' | 'tag';
  /** The pull request's base branch. */
  baseBranch?: string;
  commitSha: string;
  /**
   * For a push: the messages of its commits (GitHub lists up to 20), newest last, cut at 8 KiB.
   */
  commitMessages?: string;
  sender?: string;
  /** The pull request (number, title, web page) of a `pull_request` delivery. */
  pullRequest?: PipelineRunPullRequest;
  /**
   * For a pull request whose head is in another repository (a fork): that repository's full
   * name, or `(a deleted fork)`. Its code is untrusted: no secrets, and a member approves first.
   */
  fork?: string;
};

export type WebhookResult = { status: number; body: Record<string, unknown> };

type GlobToken =
  | { kind: 'literal'; char: string }
  /** `?`: one character but `/` */
  | { kind: 'one' }
  /** `*`: any run of characters without `/` */
  | { kind: 'star' }
  /** `**`: any run of characters but line terminators (as `.*` matched before) */
  | { kind: 'globstar' };

const LINE_TERMINATORS = new Set(['\n', '\r', '\u2028', '\u2029']);

/** A compiled branch or tag glob; see {@link compileGlob}. */
export type GlobMatcher = { test(value: string): boolean };

/**
 * Shell-style glob (`*`, `**`, `?`) for branch and tag filters. It matches by walking the
 * value once while keeping the set of pattern positions reached (a Thompson NFA), so a match
 * costs at most value length × pattern length steps: a regular expression built from the glob
 * backtracks exponentially on patterns such as `*a*a*a*…` (ReDoS from a pipeline file).
 */
export function compileGlob(glob: string): GlobMatcher {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*') {
      if (glob[i + 1] === '*') {
        tokens.push({ kind: 'globstar' });
        i++;
      } else {
        tokens.push({ kind: 'star' });
      }
    } else if (char === '?') {
      tokens.push({ kind: 'one' });
    } else {
      tokens.push({ kind: 'literal', char });
    }
  }
  const size = tokens.length;
  // A star may match nothing: reaching it also reaches the position after it.
  const close = (reached: Uint8Array) => {
    for (let i = 0; i < size; i++) {
      const kind = tokens[i].kind;
      if (reached[i] && (kind === 'star' || kind === 'globstar')) {
        reached[i + 1] = 1;
      }
    }
  };
  return {
    test(value: string) {
      let current = new Uint8Array(size + 1);
      let next = new Uint8Array(size + 1);
      current[0] = 1;
      close(current);
      for (let v = 0; v < value.length; v++) {
        const char = value[v];
        next.fill(0);
        let any = false;
        for (let i = 0; i < size; i++) {
          if (!current[i]) continue;
          const token = tokens[i];
          let to: number | undefined;
          if (token.kind === 'star') {
            if (char !== '/') to = i;
          } else if (token.kind === 'globstar') {
            if (!LINE_TERMINATORS.has(char)) to = i;
          } else if (token.kind === 'one') {
            if (char !== '/') to = i + 1;
          } else if (token.char === char) {
            to = i + 1;
          }
          if (to !== undefined) {
            next[to] = 1;
            any = true;
          }
        }
        if (!any) return false;
        close(next);
        [current, next] = [next, current];
      }
      return current[size] === 1;
    },
  };
}

export function matchesGlobs(value: string, globs?: string[]) {
  if (!globs || globs.length === 0) return true;
  return globs.some(glob => compileGlob(glob).test(value));
}

/**
 * Whether a pipeline's `on:` asks for this delivery: a push to a branch matches
 * `on.push.branches` (a push trigger with only `tags` ignores branches), a tag push matches
 * `on.push.tags`, a pull request matches `on.pull_request.branches` by its base branch.
 */
export function pipelineWantsWebhook(
  on: PipelineTriggers,
  trigger: WebhookTrigger,
): boolean {
  if (trigger.event === 'pull_request') {
    return (
      on.pull_request !== undefined &&
      matchesGlobs(trigger.baseBranch ?? '', on.pull_request.branches)
    );
  }
  if (!on.push) return false;
  if (trigger.refType === 'tag') {
    return (
      on.push.tags !== undefined && matchesGlobs(trigger.ref, on.push.tags)
    );
  }
  const onlyTags = on.push.tags !== undefined && on.push.branches === undefined;
  return !onlyTags && matchesGlobs(trigger.ref, on.push.branches);
}

/** The largest webhook body read by default: GitHub's push payloads are far smaller. */
export const DEFAULT_WEBHOOK_MAX_BYTES = 1024 * 1024;

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * What a delivery asks to build, the same for every delivery of the same signed body: a
 * replay under a new delivery id has the same key. The ref and the pull request are part of
 * it, since one commit pushed to two branches, or the head of two pull requests, builds twice.
 */
export function triggerKeyOf(trigger: WebhookTrigger): string {
  return [
    trigger.repository,
    trigger.event,
    `${trigger.refType}:${trigger.ref}`,
    trigger.baseBranch ?? '',
    trigger.pullRequest?.number ?? '',
    trigger.commitSha,
  ].join('\n');
}

/**
 * Receives GitHub `push` and `pull_request` webhooks: checks `X-Hub-Signature-256` over the
 * raw body in constant time, ignores repeated deliveries (by delivery id, and by what they
 * build, so a replayed body under a new id starts nothing), answers at once and hands the
 * trigger to `onTrigger` in the background.
 */
export class GithubWebhookHandler {
  constructor(
    private readonly options: {
      secret?: string;
      /**
       * Per repository (lower-case `owner/repo`), its own webhook secrets: a delivery that
       * names the repository is verified only with these, never with `secret`.
       */
      repositorySecrets?: Map<string, string[]>;
      /** The largest body the route reads; default {@link DEFAULT_WEBHOOK_MAX_BYTES}. */
      maxBodyBytes?: number;
      logger: LoggerService;
      /**
       * Records a delivery id and what it builds; false when either was already recorded (by
       * any replica).
       */
      recordDelivery: (
        deliveryId: string,
        triggerKey?: string,
      ) => Promise<boolean>;
      /**
       * Forgets a recorded delivery whose work failed, so that GitHub's redelivery of it is
       * done instead of being ignored as a duplicate.
       */
      forgetDelivery?: (deliveryId: string) => Promise<void>;
      /** Creates the runs of a delivery; rejects when the work failed and may be redelivered. */
      onTrigger: (
        trigger: WebhookTrigger,
        delivery: { deliveryId: string },
      ) => Promise<void>;
    },
  ) {}

  /** Whether webhooks are on (a secret is configured); the route reads no body otherwise. */
  get enabled(): boolean {
    return (
      Boolean(this.options.secret) ||
      (this.options.repositorySecrets?.size ?? 0) > 0
    );
  }

  /** The largest body the route reads before it answers 413. */
  get maxBodyBytes(): number {
    return this.options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BYTES;
  }

  /** The answer while webhooks are off. */
  disabledResult(): WebhookResult {
    return {
      status: 503,
      body: {
        error:
          'GitHub webhooks are off: set pipelines.github.webhookSecret (or pipelines.github.repositories.<owner/repo>.webhookSecret) in the backend config',
      },
    };
  }

  /** The answer to a body over {@link maxBodyBytes}. */
  tooLargeResult(): WebhookResult {
    return {
      status: 413,
      body: {
        error: `The webhook body is larger than ${this.maxBodyBytes} bytes (pipelines.github.webhookMaxBytes)`,
      },
    };
  }

  /** Whether `signature` is `sha256=<hex HMAC of the body>`; any other header is not. */
  private signatureMatches(secret: string, body: Buffer, signature?: string) {
    const given = SIGNATURE.exec(signature ?? '');
    if (!given) return false;
    const expected = createHmac('sha256', secret).update(body).digest();
    // Compared as bytes: both are 32 bytes here, whatever characters the header held
    return timingSafeEqual(Buffer.from(given[1], 'hex'), expected);
  }

  async handle(request: {
    body: Buffer;
    event?: string;
    deliveryId?: string;
    signature?: string;
  }): Promise<WebhookResult> {
    const { logger } = this.options;
    if (!this.enabled) {
      return this.disabledResult();
    }
    if (request.body.length > this.maxBodyBytes) {
      return this.tooLargeResult();
    }
    // The body is read (within the cap) before it is verified only to learn which repository's
    // secret verifies it; nothing in it is acted on until the signature matches.
    let payload: any;
    let notJson = false;
    try {
      payload = JSON.parse(request.body.toString('utf8'));
    } catch {
      notJson = true;
    }
    const repository =
      typeof payload?.repository?.full_name === 'string'
        ? (payload.repository.full_name as string)
        : undefined;
    const own = repository
      ? this.options.repositorySecrets?.get(repositoryKey(repository))
      : undefined;
    const secrets = own ?? (this.options.secret ? [this.options.secret] : []);
    if (
      !secrets.some(secret =>
        this.signatureMatches(secret, request.body, request.signature),
      )
    ) {
      logger.warn(
        `Rejected a GitHub webhook delivery ${request.deliveryId ?? '(no id)'}${
          repository ? ` for ${repository}` : ''
        }: bad signature`,
      );
      let configured = 'pipelines.github.webhookSecret';
      if (own) {
        configured = `the secret of ${repository} (pipelines.github.repositories)`;
      } else if (secrets.length === 0) {
        configured = `a secret: ${
          repository ?? 'this repository'
        } has none in pipelines.github.repositories and pipelines.github.webhookSecret is not set`;
      }
      return {
        status: 401,
        body: {
          error: `The X-Hub-Signature-256 header does not match the body and ${configured}`,
        },
      };
    }
    if (!request.deliveryId) {
      return {
        status: 400,
        body: { error: 'The X-GitHub-Delivery header is missing' },
      };
    }
    if (request.event === 'ping') {
      return { status: 200, body: { ok: true, message: 'pong' } };
    }
    if (request.event !== 'push' && request.event !== 'pull_request') {
      return {
        status: 202,
        body: { ignored: `event ${request.event ?? '(none)'} is not used` },
      };
    }
    if (notJson) {
      return { status: 400, body: { error: 'The body is not JSON' } };
    }
    const trigger = this.toTrigger(request.event, payload);
    if (
      !(await this.options.recordDelivery(
        request.deliveryId,
        trigger && triggerKeyOf(trigger),
      ))
    ) {
      return {
        status: 200,
        body: { duplicate: true, deliveryId: request.deliveryId },
      };
    }
    if (!trigger) {
      return {
        status: 202,
        body: { ignored: 'nothing to build in this delivery' },
      };
    }
    // Answer now; the work (reading pipeline files, queueing runs) happens in the background.
    // The delivery was recorded first so that concurrent redeliveries are not done twice;
    // if the work fails it is forgotten again, so a redelivery from GitHub does it.
    const deliveryId = request.deliveryId;
    setImmediate(() => {
      this.options.onTrigger(trigger, { deliveryId }).catch(async error => {
        logger.error(
          `GitHub ${trigger.event} delivery ${deliveryId} on ${trigger.repository} failed to trigger: ${error}`,
        );
        try {
          await this.options.forgetDelivery?.(deliveryId);
        } catch (forgetError) {
          logger.error(
            `Cannot forget GitHub delivery ${deliveryId}; its redelivery will be ignored: ${forgetError}`,
          );
        }
      });
    });
    return {
      status: 202,
      body: { accepted: true, deliveryId: request.deliveryId },
    };
  }

  private toTrigger(event: string, payload: any): WebhookTrigger | undefined {
    const repository = payload?.repository?.full_name;
    if (typeof repository !== 'string') return undefined;
    if (event === 'push') {
      if (payload.deleted || !payload.after || /^0+$/.test(payload.after))
        return undefined;
      const ref = String(payload.ref ?? '');
      const tag = ref.startsWith('refs/tags/');
      return {
        repository,
        event: 'push',
        ref: ref.replace(/^refs\/(heads|tags)\//, ''),
        refType: tag ? 'tag' : 'branch',
        commitSha: payload.after,
        ...pushMessages(payload),
        sender: payload.sender?.login ?? payload.pusher?.name,
      };
    }
    const action = payload.action;
    if (!['opened', 'synchronize', 'reopened'].includes(action))
      return undefined;
    const pr = payload.pull_request;
    if (!pr?.head?.sha) return undefined;
    // A head in another repository (or in a fork since deleted) is code nobody here reviewed
    const headRepository = pr.head.repo?.full_name;
    let fork: string | undefined;
    if (typeof headRepository !== 'string') fork = '(a deleted fork)';
    else if (repositoryKey(headRepository) !== repositoryKey(repository)) {
      fork = headRepository;
    }
    return {
      repository,
      event: 'pull_request',
      ref: pr.head.ref,
      refType: 'branch',
      baseBranch: pr.base?.ref,
      commitSha: pr.head.sha,
      sender: payload.sender?.login,
      // html_url is the page people open; pr.url is the REST API's
      pullRequest: pullRequestOf({
        number: pr.number,
        title: pr.title,
        url: pr.html_url,
      }),
      ...(fork ? { fork } : {}),
    };
  }
}

/** The messages of a push's commits (or of its head commit), at most 8 KiB in all. */
function pushMessages(payload: any): { commitMessages?: string } {
  const commits: unknown[] = Array.isArray(payload?.commits)
    ? payload.commits
    : [payload?.head_commit];
  const messages = commits
    .map(commit => (commit as { message?: unknown } | undefined)?.message)
    .filter((message): message is string => typeof message === 'string')
    .map(message => message.trim())
    .filter(Boolean);
  if (messages.length === 0) return {};
  return { commitMessages: messages.join('\n\n').slice(0, 8192) };
}
