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

  it('lists a middleware mounted under a literal path once, as ALL path/*', () => {
    const router = Router();
    router.use(
      '/trace-viewer',
      (_req, _res, next) => next(),
      express.static(__dirname),
    );
    router.get('/a', (_req, res) => res.end());
    expect(listRoutes(router)).toEqual([
      { method: 'ALL', path: '/trace-viewer/*' },
      { method: 'GET', path: '/a' },
    ]);
  });

  it('leaves out a middleware mounted over routes (their body parser)', () => {
    const parser = Router();
    parser.use('/.well-known/apply-conditions', express.json());
    const inner = Router();
    inner.post('/.well-known/apply-conditions', (_req, res) => res.end());
    const router = Router();
    router.use('/.well-known', express.json());
    router.use(inner);
    // Routers a plugin handed to its httpRouter one by one count together
    expect(listRoutes([parser, router])).toEqual([
      { method: 'POST', path: '/.well-known/apply-conditions' },
    ]);
  });

  it('refuses a middleware mounted under a pattern rather than leave it out', () => {
    const router = Router();
    router.use('/files/:name', (_req, _res, next) => next());
    expect(() => listRoutes(router)).toThrow(/middleware is mounted under/);
  });

  it('lists nothing for a plain middleware', () => {
    expect(listRoutes(express.json())).toEqual([]);
  });
});
