import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { IntegrationsService } from './IntegrationsService';

const entityQuery = z.object({ entityRef: z.string().min(1) });

const changeBody = z.object({
  entityRef: z.string().min(1),
  // Keys and values are checked by the validator, which names the field
  annotations: z.record(z.unknown()),
  mode: z.enum(['pull-request', 'override']),
});

/**
 * The Integrations card's routes under `/integrations`: `GET /options`, `GET /wiring`,
 * `POST /wiring`, `DELETE /wiring` (all as the caller), and `GET /overrides` for the catalog
 * processor (the catalog's service token only).
 */
export async function createIntegrationsRouter(options: {
  service: IntegrationsService;
  httpAuth: HttpAuthService;
}): Promise<express.Router> {
  const { service, httpAuth } = options;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  router.get('/integrations/options', async (req, res) => {
    const { entityRef } = parseInput(entityQuery, req.query, 'query');
    res.json(await service.choices(await httpAuth.credentials(req), entityRef));
  });

  router.get('/integrations/wiring', async (req, res) => {
    const { entityRef } = parseInput(entityQuery, req.query, 'query');
    res.json(await service.wiring(await httpAuth.credentials(req), entityRef));
  });

  router.post('/integrations/wiring', async (req, res) => {
    const body = parseInput(changeBody, req.body ?? {}, 'body');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.change(credentials, body, { request: req }));
  });

  router.delete('/integrations/wiring', async (req, res) => {
    const { entityRef } = parseInput(entityQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.removeOverride(credentials, entityRef, { request: req }),
    );
  });

  router.get('/integrations/overrides', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    res.json(await service.listOverrides(credentials));
  });

  return router;
}
