#!/usr/bin/env node
// Writes a Brotli (.br) and a gzip (.gz) copy next to each compressible file of the built
// frontend, so the backend serves them as they are (packages/backend/src/staticAssets) instead
// of compressing every script again for every browser. Run by the app's `build` script.
//
//   node scripts/precompress-static.mjs <dir>
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const dir = process.argv[2];
if (!dir || !fs.existsSync(dir)) {
  console.error(`precompress-static: no such folder: ${dir ?? '(none given)'}`);
  process.exit(1);
}
const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const COMPRESSIBLE = /\.(js|css|svg|json|html|txt|wasm)$/;
const MIN_BYTES = 1024;

const started = Date.now();
let files = 0;
let before = 0;
let after = 0;
const names = fs.readdirSync(dir).filter(name => COMPRESSIBLE.test(name));
await Promise.all(
  names.map(async name => {
    const file = path.join(dir, name);
    const body = await fs.promises.readFile(file);
    if (body.length < MIN_BYTES) return;
    const [br, gz] = await Promise.all([
      brotli(body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 10,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      }),
      gzip(body, { level: 9 }),
    ]);
    await fs.promises.writeFile(`${file}.br`, br);
    await fs.promises.writeFile(`${file}.gz`, gz);
    files++;
    before += body.length;
    after += gz.length;
  }),
);
console.log(
  `precompress-static: ${files} files, ${(before / 1e6).toFixed(1)} MB -> ${(
    after / 1e6
  ).toFixed(1)} MB gzip, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
