import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { AuthenticationError, NotFoundError } from '@backstage/errors';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { ArtifactSigner } from './ArtifactSigner';
import type { JiraBugs } from './JiraBugs';
import {
  MAX_SUITE_FILE_BYTES,
  type TestRecorderService,
} from './TestRecorderService';

const entityRef = z
  .string({
    required_error:
      'entityRef is required, e.g. component:default/storefront-web',
  })
  .min(1)
  .max(255);
const name = z.string().min(1).max(128);
const limit = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).optional().default(fallback);
const version = z.coerce.number().int().min(1).optional();
const viewport = z.object({
  width: z.number().int().min(320).max(3840),
  height: z.number().int().min(240).max(2160),
});
const runRequest = z
  .object({
    testIds: z.array(z.string().min(1).max(128)).max(500).optional(),
    retries: z.number().int().min(0).max(5).optional(),
    project: z.string().min(1).max(128).optional(),
    baseUrl: z.string().min(1).max(2048).optional(),
  })
  .strict();

/** `/api/test-recorder`: see docs/test-recorder.md for every route. */
export async function createRouter(options: {
  service: TestRecorderService;
  httpAuth: HttpAuthService;
  signer: ArtifactSigner;
  /** "Create Jira bug" for failed tests, through the Jira family's action. */
  jiraBugs?: JiraBugs;
  /** Playwright's Trace Viewer build (`playwright-core/lib/vite/traceViewer`). */
  traceViewerDir?: string;
}): Promise<express.Router> {
  const { service, httpAuth, signer } = options;
  const router = Router();
  const user = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user'] });

  if (options.traceViewerDir) {
    // Static and unauthenticated: it holds no data, and fetches the trace from a signed URL.
    // Its service worker is scoped to this folder (no Service-Worker-Allowed widening it).
    router.use(
      '/trace-viewer',
      express.static(options.traceViewerDir, {
        index: 'index.html',
        fallthrough: false,
      }),
    );
  }

  // Upload files are raw bytes, read before the JSON parser
  router.put(
    '/suites/:name/files/:file',
    express.raw({ type: () => true, limit: MAX_SUITE_FILE_BYTES }),
    async (req, res) => {
      const params = parseInput(
        z.object({ name, file: z.string().min(1).max(128) }),
        req.params,
        'path',
      );
      await service.putFile(
        await user(req),
        params.name,
        params.file,
        Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      );
      res.status(204).end();
    },
  );

  router.use(express.json({ limit: '2mb' }));

  router.get('/config', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.json({
      ...service.config(),
      jiraBugs: (await options.jiraBugs?.available(credentials)) ?? false,
    });
  });

  router.get('/suites', async (req, res) => {
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    res.json(await service.listSuites(await user(req), query.entityRef));
  });

  router.post('/suites', async (req, res) => {
    const body = parseInput(
      z.object({
        entityRef,
        definition: z.record(z.unknown(), {
          required_error:
            "definition is required: the suite in Comet's step format",
        }),
        message: z.string().max(500).optional(),
      }),
      req.body,
      'body',
    );
    res.status(201).json(await service.createSuite(await user(req), body));
  });

  router.get('/suites/:name', async (req, res) => {
    res.json(await service.getSuite(await user(req), req.params.name));
  });

  router.put('/suites/:name', async (req, res) => {
    const body = parseInput(
      z.object({
        definition: z.record(z.unknown(), {
          required_error:
            "definition is required: the suite in Comet's step format",
        }),
        baseVersion: z
          .number({
            required_error:
              'baseVersion is required: the version your change starts from',
          })
          .int()
          .min(1),
        message: z.string().max(500).optional(),
      }),
      req.body,
      'body',
    );
    res.json(await service.updateSuite(await user(req), req.params.name, body));
  });

  router.delete('/suites/:name', async (req, res) => {
    await service.deleteSuite(await user(req), req.params.name);
    res.status(204).end();
  });

  router.get('/suites/:name/versions', async (req, res) => {
    res.json({
      versions: await service.listVersions(await user(req), req.params.name),
    });
  });

  router.get('/suites/:name/versions/:version', async (req, res) => {
    const params = parseInput(
      z.object({ name, version: z.coerce.number().int().min(1) }),
      req.params,
      'path',
    );
    res.json(
      await service.getVersion(await user(req), params.name, params.version),
    );
  });

  router.get('/suites/:name/code', async (req, res) => {
    const query = parseInput(z.object({ version }), req.query, 'query');
    res.json(
      await service.code(await user(req), req.params.name, query.version),
    );
  });

  router.get('/suites/:name/export', async (req, res) => {
    const query = parseInput(z.object({ version }), req.query, 'query');
    const { fileName, content } = await service.exportZip(
      await user(req),
      req.params.name,
      query.version,
    );
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    res.send(content);
  });

  router.put('/suites/:name/secrets/:secret', async (req, res) => {
    const body = parseInput(
      z.object({ value: z.string({ required_error: 'value is required' }) }),
      req.body,
      'body',
    );
    await service.setSecret(
      await user(req),
      req.params.name,
      req.params.secret,
      body.value,
    );
    res.status(204).end();
  });

  router.delete('/suites/:name/secrets/:secret', async (req, res) => {
    await service.deleteSecret(
      await user(req),
      req.params.name,
      req.params.secret,
    );
    res.status(204).end();
  });

  router.delete('/suites/:name/files/:file', async (req, res) => {
    await service.deleteFile(await user(req), req.params.name, req.params.file);
    res.status(204).end();
  });

  router.post('/suites/:name/tests/:testId/quarantine', async (req, res) => {
    const body = parseInput(
      z.object({ quarantined: z.boolean() }),
      req.body,
      'body',
    );
    await service.setQuarantined(
      await user(req),
      req.params.name,
      req.params.testId,
      body.quarantined,
    );
    res.status(204).end();
  });

  router.get('/suites/:name/tests/:testId/history', async (req, res) => {
    const query = parseInput(
      z.object({ limit: limit(200, 50) }),
      req.query,
      'query',
    );
    res.json(
      await service.history(
        await user(req),
        req.params.name,
        req.params.testId,
        query.limit,
      ),
    );
  });

  router.post('/suites/:name/runs', async (req, res) => {
    const body = parseInput(runRequest, req.body ?? {}, 'body');
    res
      .status(202)
      .json(await service.runSuite(await user(req), req.params.name, body));
  });

  // From the pipelines plugin's `test-recorder/suite` step only
  router.post('/pipeline-runs', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    const body = parseInput(
      z.object({
        entityRef,
        suite: name,
        baseUrl: z.string().min(1).max(2048).optional(),
        retries: z.number().int().min(0).max(5).optional(),
        project: z.string().min(1).max(128).optional(),
        commit: z.string().max(64).optional(),
        pipelineRunId: z.string().min(1).max(64),
      }),
      req.body,
      'body',
    );
    res.status(202).json(await service.runForPipeline(credentials, body));
  });

  router.get('/runs', async (req, res) => {
    const query = parseInput(
      z.object({
        entityRef: z.string().max(255).optional(),
        suite: name.optional(),
        limit: limit(100, 20),
        cursor: z.string().max(200).optional(),
      }),
      req.query,
      'query',
    );
    res.json(await service.listRuns(await user(req), query));
  });

  router.get('/runs/:runId', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.json(await service.getRun(credentials, req.params.runId));
  });

  router.post('/runs/:runId/cancel', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await service.cancelRun(credentials, req.params.runId);
    res.status(202).end();
  });

  router.post('/runs/:runId/baselines', async (req, res) => {
    const body = parseInput(
      z.object({ testId: name, stepId: name }),
      req.body,
      'body',
    );
    await service.acceptBaseline(await user(req), req.params.runId, body);
    res.status(204).end();
  });

  router.post('/runs/:runId/tests/:testId/jira-bug', async (req, res) => {
    const body = parseInput(
      z
        .object({
          projectKey: z.string().min(1).max(64).optional(),
          summary: z.string().max(255).optional(),
          issueType: z.string().min(1).max(64).optional(),
        })
        .strict(),
      req.body ?? {},
      'body',
    );
    if (!options.jiraBugs) {
      throw new NotFoundError(
        'Jira is not configured in this portal (jira.instances in app-config.yaml)',
      );
    }
    res
      .status(201)
      .json(
        await options.jiraBugs.create(
          await user(req),
          req.params.runId,
          req.params.testId,
          body,
        ),
      );
  });

  router.post('/artifacts/:artifactId/url', async (req, res) => {
    res.json(
      await service.signedArtifactUrl(await user(req), req.params.artifactId),
    );
  });

  // A bearer token, or a signed URL (the trace viewer's service worker sends no token)
  router.get('/artifacts/:artifactId', async (req, res) => {
    const { artifactId } = req.params;
    const query = parseInput(
      z.object({
        expires: z.string().max(20).optional(),
        sig: z.string().max(200).optional(),
      }),
      req.query,
      'query',
    );
    let credentials = undefined;
    if (query.sig !== undefined || query.expires !== undefined) {
      if (!signer.verify(artifactId, query.expires, query.sig)) {
        throw new AuthenticationError(
          'The artifact link has expired or is not valid; open the run page again for a new one',
        );
      }
    } else {
      credentials = await httpAuth.credentials(req, { allow: ['user'] });
    }
    const { artifact, stream } = await service.openArtifact(
      credentials,
      artifactId,
    );
    res.setHeader('Content-Type', artifact.contentType);
    res.setHeader('Content-Length', String(artifact.size));
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Served from the backend's origin: never let an uploaded page run there
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader(
      'Content-Disposition',
      `${
        /^(image|video)\//.test(artifact.contentType) ? 'inline' : 'attachment'
      }; filename="${artifact.kind}-${artifact.artifactId}${extensionOf(
        artifact.contentType,
      )}"`,
    );
    stream.on('error', error => res.destroy(error));
    stream.pipe(res);
  });

  router.post('/recordings', async (req, res) => {
    const body = parseInput(
      z.object({
        entityRef,
        suiteName: name.optional(),
        testId: name.optional(),
        baseUrl: z.string().min(1).max(2048).optional(),
        startUrl: z.string().max(2048).optional(),
        viewport,
      }),
      req.body,
      'body',
    );
    res.status(201).json(await service.openRecording(await user(req), body));
  });

  router.delete('/recordings/:sessionId', async (req, res) => {
    await service.closeRecording(await user(req), req.params.sessionId);
    res.status(204).end();
  });

  router.post('/recordings/:sessionId/secrets', async (req, res) => {
    const body = parseInput(z.object({ suiteName: name }), req.body, 'body');
    res.json(
      await service.saveRecordingSecrets(
        await user(req),
        req.params.sessionId,
        body.suiteName,
      ),
    );
  });

  return router;
}

function extensionOf(contentType: string): string {
  const known: Record<string, string> = {
    'image/png': '.png',
    'image/jpeg': '.jpg',
    'video/webm': '.webm',
    'application/zip': '.zip',
    'text/plain': '.txt',
    'application/json': '.json',
  };
  return known[contentType.split(';')[0].trim()] ?? '';
}
