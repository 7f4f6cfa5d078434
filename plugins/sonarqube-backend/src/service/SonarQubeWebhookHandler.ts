import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SonarQubeWebhookResult = {
  status: number;
  body: { ok: boolean; message: string };
};

/** What a verified "quality gate changed" delivery is about. */
export type SonarQubeGateChange = {
  instance: string;
  projectKey: string;
  branch?: string;
  pullRequest?: string;
  status?: string;
  taskId?: string;
};

type WebhookPayload = {
  serverUrl?: string;
  taskId?: string;
  status?: string;
  project?: { key?: string };
  branch?: { name?: string; type?: string; isMain?: boolean };
  qualityGate?: { status?: string };
};

/**
 * SonarQube's webhook ("quality gate changed" after each analysis). The delivery is
 * authenticated by `X-Sonar-Webhook-HMAC-SHA256`, the hex HMAC-SHA256 of the raw body with the
 * instance's `webhookSecret`, compared in constant time. The instance is `?instance=<name>` on
 * the webhook URL, else the one whose URL matches the payload's `serverUrl`, else the default.
 */
export class SonarQubeWebhookHandler {
  constructor(
    private readonly options: {
      client: SonarQubeClient;
      logger: LoggerService;
      onChange: (change: SonarQubeGateChange) => Promise<void>;
    },
  ) {}

  async handle(request: {
    body: Buffer;
    signature?: string;
    instance?: string;
  }): Promise<SonarQubeWebhookResult> {
    const { client } = this.options;
    const fail = (status: number, message: string): SonarQubeWebhookResult => ({
      status,
      body: { ok: false, message },
    });
    if (!client.configured) {
      return fail(
        503,
        'SonarQube is not configured: add an instance under sonarqube.instances',
      );
    }
    let payload: WebhookPayload | undefined;
    try {
      payload = JSON.parse(request.body.toString('utf8'));
    } catch {
      payload = undefined;
    }
    let instanceName = request.instance;
    if (!instanceName && payload?.serverUrl) {
      const serverUrl = payload.serverUrl.replace(/\/+$/, '');
      instanceName = client
        .listInstances()
        .find(i => i.externalBaseUrl === serverUrl)?.name;
      if (!instanceName) {
        try {
          instanceName = client
            .listInstances()
            .map(i => client.instance(i.name))
            .find(i => i.baseUrl === serverUrl)?.name;
        } catch {
          instanceName = undefined;
        }
      }
    }
    // The endpoint is unauthenticated: its answers never name a configured instance (that
    // would let anyone list them); the precise reason goes to the log for the operator.
    const refuse = (
      status: number,
      message: string,
      reason: string,
    ): SonarQubeWebhookResult => {
      this.options.logger.warn(`SonarQube webhook rejected: ${reason}`);
      return fail(status, message);
    };
    let instance;
    try {
      instance = client.instance(instanceName);
    } catch (error) {
      return refuse(
        404,
        'No SonarQube instance matches this webhook: add ?instance=<name> (a name from sonarqube.instances) to the webhook URL',
        (error as Error).message,
      );
    }
    if (!instance.webhookSecret) {
      return refuse(
        503,
        'Webhooks from this SonarQube instance are off: set webhookSecret on it in sonarqube.instances',
        `instance "${instance.name}" has no webhookSecret`,
      );
    }
    if (!request.signature) {
      return refuse(
        401,
        'Missing X-Sonar-Webhook-HMAC-SHA256 header: set the same secret on the SonarQube webhook as on its instance in sonarqube.instances',
        `no X-Sonar-Webhook-HMAC-SHA256 header for instance "${instance.name}"`,
      );
    }
    const expected = createHmac('sha256', instance.webhookSecret)
      .update(request.body)
      .digest();
    const given = Buffer.from(request.signature.trim(), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return refuse(
        401,
        'Invalid X-Sonar-Webhook-HMAC-SHA256 signature',
        `bad X-Sonar-Webhook-HMAC-SHA256 signature for instance "${instance.name}"`,
      );
    }
    const projectKey = payload?.project?.key;
    if (!payload || typeof projectKey !== 'string' || !projectKey) {
      return fail(
        400,
        'The webhook payload is not a SonarQube "quality gate changed" delivery: project.key is missing',
      );
    }
    const isPullRequest = payload.branch?.type === 'PULL_REQUEST';
    const change: SonarQubeGateChange = {
      instance: instance.name,
      projectKey,
      ...(isPullRequest && payload.branch?.name
        ? { pullRequest: payload.branch.name }
        : {}),
      ...(!isPullRequest && payload.branch?.name && !payload.branch.isMain
        ? { branch: payload.branch.name }
        : {}),
      status: payload.qualityGate?.status,
      taskId: payload.taskId,
    };
    await this.options.onChange(change);
    return {
      status: 200,
      body: {
        ok: true,
        message: `Quality gate of ${projectKey} on "${instance.name}" refreshed`,
      },
    };
  }
}
