import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/** What the frontend build precompresses (scripts/precompress-static.mjs), best first. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

const COMPRESSIBLE = /\.(js|css|svg|json|html|txt|wasm)$/;
/** A file name of the build's static folder: no folders, no dot files, no encoded bytes. */
const SAFE_NAME = /^\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** As @backstage/plugin-app-backend sets for the hashed static assets. */
const MAX_CACHE = 'public, max-age=1209600';

async function mtimeOf(file: string): Promise<number | undefined> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the frontend's static assets from the `.br`/`.gz` files written next to them at build
 * time, to clients that accept those encodings. Without it, the backend's compression
 * middleware gzips every script again for every browser that loads the app: about 3 MB on
 * each cold load, which kept a 2-core machine busy for a quarter of a second.
 *
 * Anything it can't serve precompressed (no such file, a stale one older than its source, an
 * encoding the client doesn't accept, not GET/HEAD) goes on to the app's own static handler.
 */
export function createPrecompressedStaticHandler(options: {
  staticDir: string;
}): RequestHandler {
  const staticDir = path.resolve(options.staticDir);
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!SAFE_NAME.test(req.path) || !COMPRESSIBLE.test(req.path)) {
      return next();
    }
    if (!req.headers['accept-encoding']) return next();
    const source = path.join(staticDir, req.path.slice(1));
    const sourceTime = await mtimeOf(source);
    if (sourceTime === undefined) return next();
    // The smallest copy the client accepts (browsers list gzip before br, with equal weight).
    // A source rewritten after the build (e.g. config injected into it) makes a copy stale.
    let chosen: { name: string; file: string } | undefined;
    for (const encoding of ENCODINGS) {
      if (req.acceptsEncodings(encoding.name) !== encoding.name) continue;
      const file = source + encoding.suffix;
      const time = await mtimeOf(file);
      if (time !== undefined && time >= sourceTime) {
        chosen = { name: encoding.name, file };
        break;
      }
    }
    if (!chosen) return next();
    res.vary('Accept-Encoding');
    res.type(path.extname(source));
    res.setHeader('Content-Encoding', chosen.name);
    res.setHeader(
      'Cache-Control',
      source.endsWith('.html') ? 'no-cache' : MAX_CACHE,
    );
    return res.sendFile(
      chosen.file,
      { cacheControl: false, acceptRanges: false, dotfiles: 'deny' },
      error => {
        if (!error) return;
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // Gone between the check and the read: the uncompressed file still serves it
        res.removeHeader('Content-Encoding');
        next();
      },
    );
  };
}
