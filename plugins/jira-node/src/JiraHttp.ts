import type { ExternalApiMetrics } from '@internal/backend-common';
import { JiraError, JiraErrorKind, JiraInstanceConfig } from './types';

/** The User-Agent of every call: not a browser's, so Atlassian's XSRF check lets writes in. */
export const JIRA_USER_AGENT = 'Comet-Jira-Client';

export type JiraHttpRequest = {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | string;
  /** The path after the base URL, e.g. `/rest/api/3/issue/PAY-1`. */
  url: string;
  searchParams?: Record<string, unknown>;
  /** JSON, or FormData for attachments. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Whether the call only reads, so a 429/503 may be retried. GETs read; searches and counts
   * are POSTs that read. Writes are never retried: Jira may have done them.
   */
  read?: boolean;
  /** What the call is about, for messages: `issue PAY-1`, `project PAY`. */
  subject?: string;
  /** Ignored: jira.js's response schema (Comet maps answers itself). */
  schema?: unknown;
};

/** Called for every answer Jira gives, e.g. to count calls per view. */
export type JiraRequestListener = (event: {
  instance: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  attempt: number;
}) => void;

export type JiraHttpOptions = {
  instance: JiraInstanceConfig;
  /** Per call. Default 10 s. */
  timeoutMs?: number;
  /** The longest Retry-After a read waits for; longer ones fail at once. Default 10 s. */
  maxRetryWaitMs?: number;
  /** Attempts of a read on 429/503 (writes make one). Default 3. */
  maxAttempts?: number;
  fetch?: typeof fetch;
  /** How waits happen (tests record them). */
  sleep?: (ms: number) => Promise<void>;
  onRequest?: JiraRequestListener;
  /** `comet.external.*` metrics of every call (system `jira`, per instance). */
  metrics?: ExternalApiMetrics;
};

/**
 * The wait a 429/503 answer asks for, in ms: `Retry-After` (seconds or an HTTP date), else
 * `X-RateLimit-Reset` (an ISO 8601 timestamp, as Jira Cloud sends it, or epoch seconds).
 */
export function retryAfterMs(
  headers: Headers,
  now = Date.now(),
): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset) {
    if (/^\d+$/.test(reset)) {
      const n = Number(reset);
      // epoch milliseconds, epoch seconds, or seconds from now
      if (n > 1e12) return Math.max(0, n - now);
      if (n > 1e9) return Math.max(0, n * 1000 - now);
      return n * 1000;
    }
    const date = Date.parse(reset);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}

function searchString(params: Record<string, unknown> | undefined) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length) search.set(key, value.map(String).join(','));
    } else if (typeof value === 'object') {
      search.set(key, JSON.stringify(value));
    } else {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function sleep(ms: number) {
  return new Promise<void>(resolve => setTimeout(resolve, ms));
}

/** Jira's `errorMessages` and `errors` (and a Jersey `message`), verbatim. */
function parseErrorBody(text: string): {
  messages: string[];
  fieldErrors: Record<string, string>;
} {
  try {
    const body = JSON.parse(text) as {
      errorMessages?: unknown;
      errors?: unknown;
      message?: unknown;
    };
    const messages = Array.isArray(body.errorMessages)
      ? body.errorMessages.filter((m): m is string => typeof m === 'string')
      : [];
    const fieldErrors: Record<string, string> = {};
    if (body.errors && typeof body.errors === 'object') {
      for (const [field, message] of Object.entries(body.errors)) {
        if (typeof message === 'string') fieldErrors[field] = message;
      }
    }
    if (typeof body.message === 'string' && messages.length === 0) {
      messages.push(body.message);
    }
    return { messages, fieldErrors };
  } catch {
    // A proxy's page or a plain-text answer ("XSRF check failed"): short text only, no HTML
    const plain = text.trim();
    return {
      messages:
        plain && plain.length <= 300 && !/<[a-z!]/i.test(plain) ? [plain] : [],
      fieldErrors: {},
    };
  }
}

/**
 * One Jira instance over HTTP: authentication, `User-Agent`, timeouts, the bounded retry of
 * reads on 429/503 and errors as `JiraError`s that name the instance, the call and what to
 * check, never a credential. Redirects are not followed, so credentials only ever go to the
 * configured `baseUrl`. It also serves as jira.js's `Client` (its `sendRequest`).
 */
export class JiraHttp {
  private readonly authorization: string;

  constructor(private readonly options: JiraHttpOptions) {
    const { auth } = options.instance;
    this.authorization =
      auth.type === 'basic'
        ? `Basic ${Buffer.from(`${auth.email}:${auth.apiToken}`).toString(
            'base64',
          )}`
        : `Bearer ${auth.token}`;
  }

  get instance(): JiraInstanceConfig {
    return this.options.instance;
  }

  /** A jira.js `Client` whose calls carry `context` (the subject, whether they read). */
  client(context: Pick<JiraHttpRequest, 'read' | 'subject'> = {}) {
    return {
      sendRequest: <T>(request: JiraHttpRequest) =>
        this.send<T>({ ...request, ...context }),
    };
  }

  async send<T>(request: JiraHttpRequest): Promise<T> {
    const { instance } = this.options;
    const method = (request.method ?? 'GET').toUpperCase();
    const path = request.url.startsWith('/') ? request.url : `/${request.url}`;
    const url = `${instance.baseUrl}${path}${searchString(
      request.searchParams,
    )}`;
    const read = request.read ?? method === 'GET';
    const maxAttempts = read ? this.options.maxAttempts ?? 3 : 1;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const maxWait = this.options.maxRetryWaitMs ?? 10_000;
    const isForm =
      typeof FormData !== 'undefined' && request.body instanceof FormData;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': JIRA_USER_AGENT,
      ...(request.body !== undefined && !isForm
        ? { 'Content-Type': 'application/json' }
        : {}),
      ...request.headers,
      Authorization: this.authorization,
    };
    let body: string | FormData | undefined;
    if (isForm) body = request.body as FormData;
    else if (request.body !== undefined) body = JSON.stringify(request.body);
    const doFetch = this.options.fetch ?? fetch;
    const where = `${method} ${path}`;

    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let response: Response;
      try {
        response = await doFetch(url, {
          method,
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as Error)?.name === 'TimeoutError';
        this.options.metrics?.call({
          instance: instance.name,
          failure: timedOut ? 'timeout' : 'network',
          durationMs: Date.now() - started,
        });
        const cause = (error as { cause?: { code?: string; message?: string } })
          ?.cause;
        throw new JiraError({
          kind: 'network',
          instance: instance.name,
          message: timedOut
            ? `Jira instance "${
                instance.name
              }" did not answer ${where} within ${
                timeoutMs / 1000
              } s (jira.requestTimeoutSeconds)`
            : `Jira instance "${instance.name}" could not be reached at ${
                instance.baseUrl
              } for ${where}: ${
                cause?.code ?? cause?.message ?? (error as Error)?.message
              } (check jira.instances[name=${instance.name}].baseUrl)`,
        });
      }
      this.options.onRequest?.({
        instance: instance.name,
        method,
        path,
        status: response.status,
        durationMs: Date.now() - started,
        attempt,
      });
      this.options.metrics?.call({
        instance: instance.name,
        status: response.status,
        durationMs: Date.now() - started,
      });

      if (response.status === 429 || response.status === 503) {
        const asked = retryAfterMs(response.headers);
        const wait = asked ?? 1000 * 2 ** (attempt - 1);
        const text = await response.text().catch(() => '');
        if (read && attempt < maxAttempts && wait <= maxWait) {
          this.options.metrics?.rateLimitWait(instance.name, wait);
          await (this.options.sleep ?? sleep)(wait);
          continue;
        }
        const { messages } = parseErrorBody(text);
        const limited = response.status === 429;
        let why = `after ${attempt} attempts`;
        if (!read) why = 'writes are not retried';
        else if (wait > maxWait) {
          why = `the wait is longer than jira.maxRetryWaitSeconds (${
            maxWait / 1000
          } s)`;
        }
        throw new JiraError({
          kind: limited ? 'rateLimited' : 'unavailable',
          status: response.status,
          instance: instance.name,
          jiraMessages: messages,
          retryAfterMs: asked,
          message: `Jira instance "${instance.name}" ${
            limited ? 'is rate limiting Comet' : 'is unavailable'
          } (${response.status} on ${where})${
            asked !== undefined
              ? `; it asks to retry after ${Math.ceil(asked / 1000)} s`
              : ''
          }; gave up: ${why}`,
        });
      }

      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => {});
        throw new JiraError({
          kind: 'unavailable',
          status: response.status,
          instance: instance.name,
          message: `Jira instance "${instance.name}" answered ${where} with a redirect (${response.status}), which Comet does not follow so that credentials stay with the configured host: set jira.instances[name=${instance.name}].baseUrl to the URL Jira answers on`,
        });
      }

      const text = await response.text();
      if (response.ok) {
        if (!text) return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new JiraError({
            kind: 'unavailable',
            status: response.status,
            instance: instance.name,
            message: `Jira instance "${instance.name}" answered ${where} with a body that is not JSON: is jira.instances[name=${instance.name}].baseUrl (${instance.baseUrl}) the Jira site URL?`,
          });
        }
      }
      throw this.error(response.status, text, where, request.subject);
    }
  }

  private error(
    status: number,
    text: string,
    where: string,
    subject: string | undefined,
  ): JiraError {
    const { instance } = this.options;
    const { messages, fieldErrors } = parseErrorBody(text);
    const jiraMessages = [...messages, ...Object.values(fieldErrors)];
    const details = jiraMessages.length ? `: ${jiraMessages.join('; ')}` : '';
    const key = `jira.instances[name=${instance.name}]`;
    const about = subject ? ` for ${subject}` : '';
    let kind: JiraErrorKind;
    let message: string;
    if (status === 401) {
      kind = 'unauthorized';
      message = `Jira instance "${
        instance.name
      }" refused the credentials (401 on ${where}): check the credentials of ${key} (${
        instance.auth.type === 'basic'
          ? 'email and apiToken: an API token of that Atlassian account'
          : 'personalAccessToken: a personal access token that has not expired'
      })${details}`;
    } else if (status === 403) {
      kind = 'forbidden';
      message = `Jira instance "${instance.name}" refused ${where}${about} (403): the account of ${key} lacks a Jira permission${details}`;
    } else if (status === 404) {
      kind = 'notFound';
      message = subject
        ? `Jira instance "${instance.name}" has no ${subject}, or its account may not see it (404 on ${where})${details}`
        : `Jira instance "${instance.name}" found nothing at ${where} (404)${details}`;
    } else if (status === 410) {
      kind = 'gone';
      message = `Jira instance "${instance.name}" no longer offers ${where} (410 Gone)${details}`;
    } else if (status >= 500) {
      kind = 'unavailable';
      message = `Jira instance "${instance.name}" failed on ${where}${about} (${status})${details}`;
    } else {
      kind = 'badRequest';
      message = `Jira instance "${instance.name}" rejected ${where}${about} (${status})${details}`;
    }
    return new JiraError({
      kind,
      status,
      instance: instance.name,
      jiraMessages,
      fieldErrors,
      message,
    });
  }
}
