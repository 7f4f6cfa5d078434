import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { precompressedAssetsPlugin } from './plugin';

async function start(packageName: string) {
  const logger = mockServices.logger.mock();
  const backend = await startTestBackend({
    features: [
      precompressedAssetsPlugin,
      logger.factory,
      mockServices.rootConfig.factory({ data: { app: { packageName } } }),
    ],
  });
  const messages = logger.info.mock.calls.map(([message]) => message);
  return { backend, messages };
}

describe('precompressedAssetsPlugin', () => {
  it('serves nothing, and says so, when the app package is not installed', async () => {
    const { backend, messages } = await start('@internal/no-such-app');
    try {
      expect(messages).toContain(
        'No @internal/no-such-app package; no precompressed assets',
      );
      const response = await request(backend.server).get('/static/main.js');
      expect(response.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });

  it('serves nothing, and names the folder, when the package has no built frontend', async () => {
    // A workspace package that is never built into dist/static
    const { backend, messages } = await start('@internal/backend-common');
    try {
      expect(messages).toContainEqual(
        expect.stringMatching(
          /^No built frontend at .*backend-common[/\\]dist[/\\]static; nothing to serve$/,
        ),
      );
      const response = await request(backend.server).get('/static/main.js');
      expect(response.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });
});
