import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { RecordingSocket } from './RecordingSession';
import type {
  RecordingSessionInfo,
  RecordingSessions,
} from './RecordingSessions';
import { createRecordingSocketHandler } from './recordingSocket';

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const SESSION_ID = 'session-1';

/** Sessions with one session, of Alice; `attach` does what the test sets. */
class StubSessions {
  attached: Array<{ sessionId: string; userEntityRef: string }> = [];
  attachError?: Error;

  get(sessionId: string): RecordingSessionInfo | undefined {
    return sessionId === SESSION_ID
      ? {
          sessionId,
          userEntityRef: ALICE,
          entityRef: 'component:default/shop',
          baseUrl: 'http://127.0.0.1:3000',
          expiresAt: '2026-01-01T10:10:00.000Z',
        }
      : undefined;
  }

  attach(sessionId: string, userEntityRef: string, socket: RecordingSocket) {
    if (this.attachError) throw this.attachError;
    this.attached.push({ sessionId, userEntityRef });
    socket.send(JSON.stringify({ type: 'ready', url: 'http://x/' }));
    socket.on('message', data =>
      socket.send(JSON.stringify({ type: 'echo', data: String(data) })),
    );
  }
}

describe('createRecordingSocketHandler', () => {
  let server: http.Server;
  let port: number;
  let sessions: StubSessions;
  let handler: ReturnType<typeof createRecordingSocketHandler>;
  const logger = mockServices.logger.mock();
  /** Who each sub-protocol authenticates as; any other is no one. */
  const identities: Record<string, BackstageCredentials> = {
    alice: mockCredentials.user(ALICE),
    bob: mockCredentials.user(BOB),
    service: mockCredentials.service('plugin:catalog'),
  };

  beforeAll(async () => {
    server = http.createServer();
    server.on('upgrade', (request, socket, head) => {
      const protocol = String(request.headers['sec-websocket-protocol'] ?? '');
      const credentials = identities[protocol];
      void handler.handler({
        request,
        socket,
        head,
        credentials: credentials ?? mockCredentials.none(),
        authProtocol: credentials ? protocol : undefined,
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  beforeEach(() => {
    sessions = new StubSessions();
    handler = createRecordingSocketHandler({
      sessions: sessions as unknown as RecordingSessions,
      auth: mockServices.auth(),
      logger,
    });
  });

  afterEach(() => handler.close());

  const url = (query: string) =>
    `ws://127.0.0.1:${port}/recordings/socket${query}`;

  /** The HTTP status that refused the upgrade. */
  const refusal = (query: string, protocol?: string) =>
    new Promise<number>((resolve, reject) => {
      const client = new WebSocket(url(query), protocol ? [protocol] : []);
      client.on('unexpected-response', (_request, response) =>
        resolve(response.statusCode ?? 0),
      );
      client.on('open', () => reject(new Error('the upgrade was accepted')));
      client.on('error', () => undefined);
    });

  /** An accepted connection with every message it got and how it closed. */
  function connect(query: string, protocol: string) {
    const client = new WebSocket(url(query), [protocol]);
    const messages: unknown[] = [];
    client.on('message', data => messages.push(JSON.parse(String(data))));
    const closed = new Promise<{ code: number; reason: string }>(resolve =>
      client.on('close', (code, reason) =>
        resolve({ code, reason: String(reason) }),
      ),
    );
    const opened = new Promise<void>((resolve, reject) => {
      client.on('open', () => resolve());
      client.on('error', reject);
    });
    return { client, messages, closed, opened };
  }

  it('is mounted at /recordings/socket', () => {
    expect(handler.path).toBe('/recordings/socket');
  });

  it('refuses whoever is not the user who opened the session', async () => {
    expect(await refusal(`?session=${SESSION_ID}`)).toBe(401);
    expect(await refusal(`?session=${SESSION_ID}`, 'service')).toBe(403);
    expect(await refusal(`?session=${SESSION_ID}`, 'bob')).toBe(403);
    expect(logger.warn).toHaveBeenCalledWith(
      `${BOB} tried to attach to recording session ${SESSION_ID} of another user`,
    );
    expect(await refusal('', 'alice')).toBe(400);
    expect(await refusal('?session=', 'alice')).toBe(400);
    expect(await refusal('?session=session-2', 'alice')).toBe(404);
    expect(sessions.attached).toEqual([]);
  });

  it('attaches the user to the session, answering with the protocol that authenticated them', async () => {
    const { client, messages, closed, opened } = connect(
      `?session=${SESSION_ID}`,
      'alice',
    );
    await opened;
    expect(client.protocol).toBe('alice');
    expect(sessions.attached).toEqual([
      { sessionId: SESSION_ID, userEntityRef: ALICE },
    ]);
    const echoed = new Promise<void>(resolve =>
      client.on('message', () => messages.length >= 2 && resolve()),
    );
    client.send('hello');
    await echoed;
    expect(messages).toEqual([
      { type: 'ready', url: 'http://x/' },
      { type: 'echo', data: 'hello' },
    ]);
    client.close();
    expect((await closed).code).toBe(1005);
  });

  it.each([
    [
      'with the reason of a session that closed meanwhile',
      new NotFoundError(`No recording session ${SESSION_ID}: it was closed`),
      `No recording session ${SESSION_ID}: it was closed`,
    ],
    [
      'without the details of anything else',
      new Error('internal: the socket map is corrupt'),
      'could not attach',
    ],
  ])(
    'closes the connection when attaching fails, %s',
    async (_case, error, reason) => {
      sessions.attachError = error;
      const { messages, closed } = connect(`?session=${SESSION_ID}`, 'alice');
      expect(await closed).toEqual({ code: 1008, reason });
      expect(messages).toEqual([{ type: 'closed', reason }]);
    },
  );
});
