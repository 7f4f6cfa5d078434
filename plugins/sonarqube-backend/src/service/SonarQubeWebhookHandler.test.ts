import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import express from 'express';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { createRouter } from './router';
import { SonarQubeWebhookHandler } from './SonarQubeWebhookHandler';

const SECRET = 'webhook-secret-for-handler-tests';
const CLOUD_SECRET = 'cloud-webhook-secret';

function handler(instances: Array<Record<string, unknown>>) {
  const onChange = jest.fn(async () => {});
  const logger = mockServices.logger.mock();
  const webhooks = new SonarQubeWebhookHandler({
    client: SonarQubeClient.fromConfig(
      new ConfigReader({ sonarqube: { instances } } as any),
    ),
    logger,
    onChange,
  });
  return { webhooks, onChange, logger };
}

const INSTANCES = [
  {
    name: 'default',
    baseUrl: 'http://sonar.internal:9000',
    externalBaseUrl: 'https://sonar.example.com',
    apiKey: 'squ_default',
    webhookSecret: SECRET,
  },
  {
    name: 'cloud',
    baseUrl: 'https://sonarcloud.io',
    apiKey: 'squ_cloud',
    webhookSecret: CLOUD_SECRET,
  },
  { name: 'nohook', baseUrl: 'http://nohook.internal', apiKey: 'squ_nohook' },
];

function delivery(payload: object, secret = SECRET) {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    body,
    signature: createHmac('sha256', secret).update(body).digest('hex'),
  };
}

const GATE_CHANGED = {
  serverUrl: 'https://sonar.example.com',
  taskId: 'AXtask1',
  status: 'SUCCESS',
  project: { key: 'acme_payments-api', name: 'Payments API' },
  branch: { name: 'main', type: 'BRANCH', isMain: true },
  qualityGate: { name: 'Sonar way', status: 'ERROR', conditions: [] },
};

describe('SonarQubeWebhookHandler', () => {
  it('accepts a delivery signed with the instance secret and reports the change', async () => {
    const { webhooks, onChange } = handler(INSTANCES);
    const result = await webhooks.handle(delivery(GATE_CHANGED));
    expect(result).toEqual({
      status: 200,
      body: {
        ok: true,
        message: 'Quality gate of acme_payments-api on "default" refreshed',
      },
    });
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledWith({
      instance: 'default',
      projectKey: 'acme_payments-api',
      status: 'ERROR',
      taskId: 'AXtask1',
    });
  });

  it('accepts an upper-case signature with surrounding spaces', async () => {
    const { webhooks, onChange } = handler(INSTANCES);
    const { body, signature } = delivery(GATE_CHANGED);
    const result = await webhooks.handle({
      body,
      signature: ` ${signature.toUpperCase()} `,
    });
    expect(result.status).toBe(200);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('refuses a signature made with another secret, and logs it without the secret', async () => {
    const { webhooks, onChange, logger } = handler(INSTANCES);
    const result = await webhooks.handle(delivery(GATE_CHANGED, 'guessed'));
    expect(result).toEqual({
      status: 401,
      body: {
        ok: false,
        message: 'Invalid X-Sonar-Webhook-HMAC-SHA256 signature',
      },
    });
    expect(onChange).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      'SonarQube webhook rejected: bad X-Sonar-Webhook-HMAC-SHA256 signature for instance "default"',
    );
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(SECRET);
  });

  it('refuses a body changed after signing', async () => {
    const { webhooks, onChange } = handler(INSTANCES);
    const { signature } = delivery(GATE_CHANGED);
    const tampered = Buffer.from(
      JSON.stringify({ ...GATE_CHANGED, project: { key: 'acme_other' } }),
    );
    const result = await webhooks.handle({ body: tampered, signature });
    expect(result.status).toBe(401);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('refuses a delivery without the signature header, saying what to set', async () => {
    const { webhooks, onChange } = handler(INSTANCES);
    const result = await webhooks.handle({
      body: delivery(GATE_CHANGED).body,
    });
    expect(result).toEqual({
      status: 401,
      body: {
        ok: false,
        message:
          'Missing X-Sonar-Webhook-HMAC-SHA256 header: set the same secret on the SonarQube webhook as on its instance in sonarqube.instances',
      },
    });
    expect(onChange).not.toHaveBeenCalled();
  });

  it.each([
    ['not hex', 'zz-not-a-signature'],
    ['non-ASCII', 'é'.repeat(64)],
    ['too short', 'abcd'],
    ['odd length', 'abc'],
  ])('refuses a malformed signature (%s) with 401', async (_, signature) => {
    const { webhooks, onChange } = handler(INSTANCES);
    const result = await webhooks.handle({
      body: delivery(GATE_CHANGED).body,
      signature,
    });
    expect(result.status).toBe(401);
    expect(result.body.message).toBe(
      'Invalid X-Sonar-Webhook-HMAC-SHA256 signature',
    );
    expect(onChange).not.toHaveBeenCalled();
  });

  it('refuses an unknown instance, and one without a secret, without naming configured instances', async () => {
    const { webhooks, onChange, logger } = handler(INSTANCES);
    const unknown = await webhooks.handle({
      ...delivery(GATE_CHANGED),
      instance: 'elsewhere',
    });
    expect(unknown).toEqual({
      status: 404,
      body: {
        ok: false,
        message:
          'No SonarQube instance matches this webhook: add ?instance=<name> (a name from sonarqube.instances) to the webhook URL',
      },
    });
    // The operator still learns which names are configured, from the log
    expect(logger.warn).toHaveBeenCalledWith(
      'SonarQube webhook rejected: Unknown SonarQube instance "elsewhere" (from sonarqube.org/project-key); sonarqube.instances has "default", "cloud", "nohook"',
    );
    const noSecret = await webhooks.handle({
      ...delivery(GATE_CHANGED),
      instance: 'nohook',
    });
    expect(noSecret).toEqual({
      status: 503,
      body: {
        ok: false,
        message:
          'Webhooks from this SonarQube instance are off: set webhookSecret on it in sonarqube.instances',
      },
    });
    expect(onChange).not.toHaveBeenCalled();
  });

  it('finds the instance from the payload serverUrl (external or base URL) and checks its secret', async () => {
    const { webhooks, onChange } = handler(INSTANCES);
    // sonarcloud.io is the cloud instance's baseUrl (its externalBaseUrl defaults to it)
    const cloud = await webhooks.handle(
      delivery(
        {
          ...GATE_CHANGED,
          serverUrl: 'https://sonarcloud.io/',
          branch: { name: '42', type: 'PULL_REQUEST', isMain: false },
        },
        CLOUD_SECRET,
      ),
    );
    expect(cloud.status).toBe(200);
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ instance: 'cloud', pullRequest: '42' }),
    );
    // The default instance's internal base URL, with a branch
    const internal = await webhooks.handle(
      delivery({
        ...GATE_CHANGED,
        serverUrl: 'http://sonar.internal:9000',
        branch: { name: 'release/1.x', type: 'BRANCH', isMain: false },
      }),
    );
    expect(internal.status).toBe(200);
    expect(onChange).toHaveBeenLastCalledWith({
      instance: 'default',
      projectKey: 'acme_payments-api',
      branch: 'release/1.x',
      status: 'ERROR',
      taskId: 'AXtask1',
    });
    // The wrong instance's secret does not pass
    const crossed = await webhooks.handle(
      delivery({ ...GATE_CHANGED, serverUrl: 'https://sonarcloud.io' }, SECRET),
    );
    expect(crossed.status).toBe(401);
  });

  it('names no configured instance in any answer to an unauthenticated delivery', async () => {
    const { webhooks } = handler(INSTANCES);
    const several = handler(INSTANCES.slice(1)).webhooks;
    const answers = [
      await webhooks.handle({ ...delivery(GATE_CHANGED), instance: 'x' }),
      await webhooks.handle({ ...delivery(GATE_CHANGED), instance: 'nohook' }),
      await webhooks.handle({ body: delivery(GATE_CHANGED).body }),
      await webhooks.handle(delivery(GATE_CHANGED, 'guessed')),
      await webhooks.handle({
        ...delivery(GATE_CHANGED, 'guessed'),
        instance: 'cloud',
      }),
      await several.handle(
        delivery({ ...GATE_CHANGED, serverUrl: 'https://unknown.example.com' }),
      ),
    ];
    expect(answers.map(a => a.status)).toEqual([404, 503, 401, 401, 401, 404]);
    for (const answer of answers) {
      expect(answer.body.message).not.toMatch(/"(default|cloud|nohook)"/);
      expect(answer.body.message).not.toMatch(
        /sonar\.(internal|example)|sonarcloud\.io/,
      );
    }
  });

  it('needs the instance named when several are configured and none is default', async () => {
    const { webhooks } = handler(INSTANCES.slice(1));
    const result = await webhooks.handle(
      delivery({ ...GATE_CHANGED, serverUrl: 'https://unknown.example.com' }),
    );
    expect(result.status).toBe(404);
    expect(result.body.message).toBe(
      'No SonarQube instance matches this webhook: add ?instance=<name> (a name from sonarqube.instances) to the webhook URL',
    );
  });

  it('refuses a signed body that is not a quality-gate delivery', async () => {
    const { webhooks, onChange } = handler(INSTANCES);
    const notJson = Buffer.from('not json');
    for (const body of [notJson, delivery({ status: 'SUCCESS' }).body]) {
      const result = await webhooks.handle({
        body,
        signature: createHmac('sha256', SECRET).update(body).digest('hex'),
      });
      expect(result).toEqual({
        status: 400,
        body: {
          ok: false,
          message:
            'The webhook payload is not a SonarQube "quality gate changed" delivery: project.key is missing',
        },
      });
    }
    expect(onChange).not.toHaveBeenCalled();
  });

  it('says which key turns SonarQube on when nothing is configured', async () => {
    const { webhooks } = handler([]);
    expect(await webhooks.handle(delivery(GATE_CHANGED))).toEqual({
      status: 503,
      body: {
        ok: false,
        message:
          'SonarQube is not configured: add an instance under sonarqube.instances',
      },
    });
  });

  describe('through the router', () => {
    let server: Server;
    let port: number;
    let onChange: jest.Mock;

    beforeAll(async () => {
      const created = handler(INSTANCES);
      onChange = created.onChange;
      const app = express();
      app.use(
        '/api/sonarqube',
        await createRouter({
          service: {} as any,
          httpAuth: mockServices.httpAuth(),
          webhooks: created.webhooks,
        }),
      );
      server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    });

    /** A raw HTTP request, so header bytes go out exactly as given (any client refuses non-ASCII). */
    async function post(path: string, headers: Buffer, body: Buffer) {
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        Buffer.concat([
          Buffer.from(
            `POST ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n`,
          ),
          headers,
          Buffer.from('\r\n'),
          body,
        ]),
      );
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(socket, 'close');
      const text = Buffer.concat(chunks).toString('utf8');
      return {
        status: Number(text.split(' ')[1]),
        body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)),
      };
    }

    it('answers 401, not 500, to a non-ASCII signature header', async () => {
      const { body } = delivery(GATE_CHANGED);
      const result = await post(
        '/api/sonarqube/webhook',
        Buffer.concat([
          Buffer.from('X-Sonar-Webhook-HMAC-SHA256: '),
          Buffer.from('é€'.repeat(20), 'utf8'),
          Buffer.from('\r\n'),
        ]),
        body,
      );
      expect(result.status).toBe(401);
      expect(result.body.message).toBe(
        'Invalid X-Sonar-Webhook-HMAC-SHA256 signature',
      );
      expect(onChange).not.toHaveBeenCalled();
    });

    it('verifies the raw body and takes the instance from the query', async () => {
      const { body, signature } = delivery(
        { ...GATE_CHANGED, serverUrl: undefined },
        CLOUD_SECRET,
      );
      const result = await post(
        '/api/sonarqube/webhook?instance=cloud',
        Buffer.from(`X-Sonar-Webhook-HMAC-SHA256: ${signature}\r\n`),
        body,
      );
      expect(result).toEqual({
        status: 200,
        body: {
          ok: true,
          message: 'Quality gate of acme_payments-api on "cloud" refreshed',
        },
      });
      expect(onChange).toHaveBeenCalledWith(
        expect.objectContaining({ instance: 'cloud' }),
      );
    });
  });
});
