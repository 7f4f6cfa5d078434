import express from 'express';
import Router from 'express-promise-router';
import { listRoutes } from './routeRecorder';

describe('listRoutes', () => {
  it('lists every method and path, in routers mounted at the root too', () => {
    const inner = Router();
    inner.get('/inner', (_req, res) => res.end());
    const router = Router();
    router.use(express.json());
    router.get('/a', (_req, res) => res.end());
    router.post(['/b', '/c'], (_req, res) => res.end());
    router.all('/any', (_req, res) => res.end());
    router.use(inner);
    expect(listRoutes(router)).toEqual([
      { method: 'GET', path: '/a' },
      { method: 'POST', path: '/b' },
      { method: 'POST', path: '/c' },
      { method: 'ALL', path: '/any' },
      { method: 'GET', path: '/inner' },
    ]);
  });

  it('refuses a router mounted under a path rather than leave its routes out', () => {
    const inner = Router();
    inner.get('/x', (_req, res) => res.end());
    const router = Router();
    router.use('/sub', inner);
    expect(() => listRoutes(router)).toThrow(/mounted under/);
  });

  it('lists nothing for a plain middleware', () => {
    expect(listRoutes(express.json())).toEqual([]);
  });
});
