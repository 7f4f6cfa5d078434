import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { DeliveryHealthService } from './DeliveryHealthService';

const entityQuery = z.object({
  entityRef: z.string().min(1),
});

const groupBody = z.object({
  groupRef: z.string().min(1),
});

/**
 * `GET /entity?entityRef=…`: one entity's delivery health; `POST /group` `{ groupRef }`: the
 * group's owned components with theirs. Both as the caller, for users and services alike.
 */
export async function createRouter(options: {
  service: DeliveryHealthService;
  httpAuth: HttpAuthService;
}): Promise<express.Router> {
  const { service, httpAuth } = options;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  router.get('/entity', async (req, res) => {
    const { entityRef } = parseInput(entityQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.entityHealth(credentials, entityRef));
  });

  router.post('/group', async (req, res) => {
    const { groupRef } = parseInput(groupBody, req.body ?? {}, 'body');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.groupHealth(credentials, groupRef));
  });

  return router;
}
