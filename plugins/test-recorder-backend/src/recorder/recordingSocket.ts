import type {
  AuthService,
  HttpRouterServiceWebSocketHandler,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RecordingSessions } from './RecordingSessions';

/** Ends an upgrade that is refused with a plain HTTP status. */
function refuse(socket: Duplex, status: string) {
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    () => socket.destroy(),
  );
}

/**
 * The live view's WebSocket, `/recordings/socket?session=<sessionId>`, for
 * `httpRouter.addWebSocketHandler`. The Backstage token comes as the sub-protocol (as the
 * signals plugin does it); only the user who opened the session may attach to it.
 */
export function createRecordingSocketHandler(options: {
  sessions: RecordingSessions;
  auth: AuthService;
  logger: LoggerService;
}): HttpRouterServiceWebSocketHandler & { close(): void } {
  const { sessions, auth, logger } = options;
  const authenticatedProtocols = new WeakMap<IncomingMessage, string>();
  const server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    // A large frame from a misbehaving client must not be buffered whole.
    maxPayload: 1024 * 1024,
    handleProtocols: (_protocols, request) =>
      authenticatedProtocols.get(request) ?? false,
  });
  server.on('error', error =>
    logger.error(`Recording WebSocket server error: ${error}`),
  );

  return {
    path: '/recordings/socket',
    close: () => server.close(),
    async handler({ request, socket, head, credentials, authProtocol }) {
      if (!auth.isPrincipal(credentials, 'user')) {
        refuse(
          socket,
          auth.isPrincipal(credentials, 'none')
            ? '401 Unauthorized'
            : '403 Forbidden',
        );
        return;
      }
      const userEntityRef = credentials.principal.userEntityRef;
      const sessionId = new URL(
        request.url ?? '/',
        'http://localhost',
      ).searchParams.get('session');
      if (!sessionId) {
        refuse(socket, '400 Bad Request');
        return;
      }
      const session = sessions.get(sessionId);
      if (!session) {
        refuse(socket, '404 Not Found');
        return;
      }
      if (session.userEntityRef !== userEntityRef) {
        logger.warn(
          `${userEntityRef} tried to attach to recording session ${sessionId} of another user`,
        );
        refuse(socket, '403 Forbidden');
        return;
      }
      if (authProtocol) authenticatedProtocols.set(request, authProtocol);
      server.handleUpgrade(request, socket, head, connection => {
        try {
          sessions.attach(sessionId, userEntityRef, connection);
        } catch (error) {
          // Closed between the check and the upgrade.
          const reason =
            error instanceof NotFoundError || error instanceof NotAllowedError
              ? error.message
              : 'could not attach';
          connection.send(JSON.stringify({ type: 'closed', reason }));
          connection.close(1008, reason.slice(0, 120));
        }
      });
    },
  };
}
