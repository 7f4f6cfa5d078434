import { InputError, NotFoundError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';

/** The statuses an outage may answer with: what a down system or its proxy answers. */
export const FAKE_OUTAGE_STATUSES = [500, 502, 503, 504] as const;

type FakeOutageStatus = (typeof FAKE_OUTAGE_STATUSES)[number];

/**
 * Simulated outages of the fakes, switched by tests over HTTP (`/api/fakes/control/outages`):
 * while a fake's outage is on, each request to it answers the outage's status, so an
 * end-to-end test can make one external system fail for a while and then restore it.
 */
export class FakeOutages {
  private readonly statuses = new Map<string, FakeOutageStatus>();

  /** `names`: the fakes that are served, the only ones an outage may name. */
  constructor(private readonly names: readonly string[]) {}

  /** Put in front of a fake's router: answers its outage's status while one is on. */
  middleware(name: string): express.RequestHandler {
    return (_req, res, next) => {
      const status = this.statuses.get(name);
      if (status === undefined) {
        next();
        return;
      }
      res.status(status).json({
        message: `The ${name} fake is in a simulated outage (PUT /api/fakes/control/outages/${name}); DELETE that URL to end it`,
      });
    };
  }

  /**
   * `GET /outages` lists the outages that are on; `PUT /outages/<name>` with
   * `{ "status"?: 500 | 502 | 503 | 504 }` (503 by default) starts one; `DELETE /outages/<name>`
   * ends it (`{ ended: false }` when none was on).
   */
  controlRouter(): express.Router {
    const router = Router();
    router.use(express.json({ limit: '1kb' }));
    router.get('/outages', (_req, res) => {
      res.json({
        outages: [...this.statuses].map(([name, status]) => ({
          name,
          status,
        })),
      });
    });
    router.put('/outages/:name', (req, res) => {
      const name = this.served(req.params.name);
      const status = (req.body as { status?: unknown } | undefined)?.status;
      if (
        status !== undefined &&
        !FAKE_OUTAGE_STATUSES.includes(status as FakeOutageStatus)
      ) {
        throw new InputError(
          `Invalid outage status ${JSON.stringify(
            status,
          )} for the ${name} fake: use one of ${FAKE_OUTAGE_STATUSES.join(
            ', ',
          )} (503 when omitted)`,
        );
      }
      const outage = (status as FakeOutageStatus | undefined) ?? 503;
      this.statuses.set(name, outage);
      res.json({ name, status: outage });
    });
    router.delete('/outages/:name', (req, res) => {
      const name = this.served(req.params.name);
      res.json({ name, ended: this.statuses.delete(name) });
    });
    return router;
  }

  private served(name: string): string {
    if (!this.names.includes(name)) {
      throw new NotFoundError(
        `No fake named "${name}" is served here; the served fakes are ${
          this.names.join(', ') || 'none'
        } (comet.fakes.<name>)`,
      );
    }
    return name;
  }
}
