import express from 'express';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import zlib from 'node:zlib';
import { createPrecompressedStaticHandler } from './precompressedStatic';

describe('createPrecompressedStaticHandler', () => {
  let dir: string;
  let app: express.Express;
  const script = `console.log(${JSON.stringify('x'.repeat(5000))});\n`;

  const write = (name: string, body: string | Buffer, ageMs = 0) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    const when = new Date(Date.now() - ageMs);
    fs.utimesSync(file, when, when);
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-static-'));
    write('main.abc.js', script, 60_000);
    // The build writes the copies after the source; 30 s apart so no clock tick blurs the order
    write('main.abc.js.gz', zlib.gzipSync(script), 30_000);
    write('main.abc.js.br', zlib.brotliCompressSync(script), 30_000);
    app = express();
    app.use('/static', createPrecompressedStaticHandler({ staticDir: dir }));
    // What the app backend does after it: serve the file as it is
    app.use('/static', express.static(dir));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves the Brotli copy to a browser that accepts it, with the script type', async () => {
    const response = await request(app)
      .get('/static/main.abc.js')
      .set('accept-encoding', 'gzip, deflate, br, zstd');
    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers['content-type']).toBe(
      'application/javascript; charset=utf-8',
    );
    expect(response.headers.vary).toContain('Accept-Encoding');
    expect(response.headers['cache-control']).toBe('public, max-age=1209600');
    // supertest decodes it, as a browser does
    expect(response.text).toBe(script);
  });

  it('serves gzip to a client without Brotli, and the plain file to one without either', async () => {
    const gzipped = await request(app)
      .get('/static/main.abc.js')
      .set('accept-encoding', 'gzip');
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.text).toBe(script); // supertest gunzips
    const plain = await request(app)
      .get('/static/main.abc.js')
      .set('accept-encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe(script);
  });

  it('answers a conditional request with 304', async () => {
    const first = await request(app)
      .get('/static/main.abc.js')
      .set('accept-encoding', 'gzip');
    const again = await request(app)
      .get('/static/main.abc.js')
      .set('accept-encoding', 'gzip')
      .set('if-none-match', first.headers.etag);
    expect(again.status).toBe(304);
  });

  it('ignores a copy older than its source, e.g. after config was injected into the script', async () => {
    write('main.abc.js', 'window.injected = true;\n'.repeat(100));
    const response = await request(app)
      .get('/static/main.abc.js')
      .set('accept-encoding', 'gzip, br');
    // express.static without compression: the rewritten source, never the stale copy
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.text).toContain('window.injected = true;');
  });

  it('leaves unknown files, other methods and unsafe names to the next handler', async () => {
    expect(
      (
        await request(app)
          .get('/static/missing.js')
          .set('accept-encoding', 'gzip')
      ).status,
    ).toBe(404);
    expect(
      (
        await request(app)
          .get('/static/..%2Fmain.abc.js')
          .set('accept-encoding', 'gzip')
      ).status,
    ).toBe(404);
    expect(
      (
        await request(app)
          .post('/static/main.abc.js')
          .set('accept-encoding', 'gzip')
      ).status,
    ).toBe(404);
  });
});
