import {
  coreServices,
  createServiceFactory,
  HttpRouterService,
  HttpRouterServiceAuthPolicy,
} from '@backstage/backend-plugin-api';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import type { Handler } from 'express';

/** What each plugin handed to its `httpRouter`, by plugin id. */
export type RecordedPlugin = {
  handlers: Handler[];
  authPolicies: HttpRouterServiceAuthPolicy[];
  /** The paths of the WebSocket handlers it added. */
  webSocketPaths: string[];
};

/** One route a plugin serves: method and the path as the plugin registered it. */
export type EnumeratedRoute = { method: string; path: string };

type HttpRouterFactoryInternals = {
  factory(deps: Record<string, unknown>, context: unknown): Promise<unknown>;
};

/**
 * Backstage's own `httpRouter` service (auth barrier, auth policies, error handler and all),
 * recording each plugin's routers and auth policies so the routes can be enumerated.
 */
export function recordingHttpRouterServiceFactory(
  recorded: Map<string, RecordedPlugin>,
) {
  const inner =
    httpRouterServiceFactory as unknown as HttpRouterFactoryInternals;
  if (typeof inner.factory !== 'function') {
    throw new Error(
      'httpRouterServiceFactory from @backstage/backend-defaults no longer exposes factory(); update recordingHttpRouterServiceFactory',
    );
  }
  return createServiceFactory({
    service: coreServices.httpRouter,
    initialization: 'always',
    deps: {
      plugin: coreServices.pluginMetadata,
      config: coreServices.rootConfig,
      lifecycle: coreServices.lifecycle,
      rootHttpRouter: coreServices.rootHttpRouter,
      auth: coreServices.auth,
      httpAuth: coreServices.httpAuth,
      logger: coreServices.logger,
    },
    async factory(deps) {
      const router = (await inner.factory(
        deps,
        undefined,
      )) as HttpRouterService;
      const entry: RecordedPlugin = {
        handlers: [],
        authPolicies: [],
        webSocketPaths: [],
      };
      recorded.set(deps.plugin.getId(), entry);
      return {
        use(handler: Handler) {
          entry.handlers.push(handler);
          router.use(handler);
        },
        addAuthPolicy(policy: HttpRouterServiceAuthPolicy) {
          entry.authPolicies.push(policy);
          router.addAuthPolicy(policy);
        },
        addWebSocketHandler(options) {
          entry.webSocketPaths.push(options.path);
          router.addWebSocketHandler(options);
        },
      } satisfies HttpRouterService;
    },
  });
}

type ExpressLayer = {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  name?: string;
  regexp?: RegExp & { fast_slash?: boolean };
  handle?: { stack?: ExpressLayer[] };
};

/**
 * The literal path express 4 mounted a middleware under (`router.use('/trace-viewer', ...)`
 * keeps only `/^\/trace-viewer\/?(?=\/|$)/i`), or undefined for any other pattern.
 */
function mountPath(regexp: RegExp): string | undefined {
  const match = /^\^((?:\\\/(?:[\w~-]|\\\.)+)+)\\\/\?\(\?=\\\/\|\$\)$/.exec(
    regexp.source,
  );
  return match ? match[1].replace(/\\([/.])/g, '$1') : undefined;
}

/**
 * Every route in express (4) routers (the handlers one plugin gave its `httpRouter`) and in the
 * routers they mount at their root, as `METHOD path`; a middleware mounted under a literal path
 * as `ALL path/*` (static files), unless routes lie under that path (then it is their body
 * parser). A router mounted under a path cannot be enumerated from express 4's layers (they
 * keep only a regexp), so it is an error naming it rather than routes left out.
 */
export function listRoutes(handlers: Handler | Handler[]): EnumeratedRoute[] {
  const layers = [handlers].flat().flatMap(listLayers);
  const routePaths = layers.filter(l => !l.mounted).map(l => l.path);
  const seen = new Set<string>();
  const routes: EnumeratedRoute[] = [];
  for (const { method, path, mounted } of layers) {
    if (
      mounted &&
      routePaths.some(p => p === mounted || p.startsWith(`${mounted}/`))
    ) {
      continue;
    }
    const key = `${method} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method, path });
  }
  return routes;
}

/** Routes, and middleware mounted under a path (`mounted`: that path). */
type ListedLayer = EnumeratedRoute & { mounted?: string };

function listLayers(handler: Handler): ListedLayer[] {
  const stack = (handler as unknown as { stack?: ExpressLayer[] }).stack;
  if (!stack) return [];
  const routes: ListedLayer[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path)
        ? layer.route.path
        : [layer.route.path];
      for (const path of paths) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') {
            routes.push({ method: method.toUpperCase(), path });
          }
        }
        if (layer.route.methods._all) routes.push({ method: 'ALL', path });
      }
    } else if (layer.handle?.stack) {
      if (!layer.regexp?.fast_slash) {
        throw new Error(
          `A router is mounted under ${layer.regexp}: listRoutes cannot tell its path; mount it at the root or extend listRoutes`,
        );
      }
      routes.push(...listLayers(layer.handle as unknown as Handler));
    } else if (layer.regexp && !layer.regexp.fast_slash) {
      const prefix = mountPath(layer.regexp);
      if (!prefix) {
        throw new Error(
          `A middleware is mounted under ${layer.regexp}: listRoutes cannot tell its path; mount it under a literal path or extend listRoutes`,
        );
      }
      routes.push({ method: 'ALL', path: `${prefix}/*`, mounted: prefix });
    }
  }
  return routes;
}
