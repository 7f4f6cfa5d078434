#!/usr/bin/env node
// Checks the built frontend (packages/app/dist) for what the app loads at start-up: the
// scripts index.html names. The pipelines plugin must add only its definition there (the
// plugin, its routes, API ref and lazy client, the entity filter and the start-up prefetch of
// a run's address); its pages, tab, card, log viewer and editor must stay in lazy chunks.
// Reads each script's source map, so it names the file that got in. Exits 1 on a problem.
//
//   yarn check:startup-bundle      (after `bash scripts/comet.sh build-app`)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'packages', 'app', 'dist');
const plugin = 'plugins/pipelines/src/';

/** The plugin's files allowed in the start-up scripts. */
const allowed = new Set([
  'plugin.tsx',
  'routes.ts',
  'filters.ts',
  'RunLinkPrefetch.tsx',
  'api/PipelinesApi.ts',
  'api/LazyPipelinesClient.ts',
  'api/reconnect.ts',
  'components/RunPage/prefetch.ts',
]);
/** Files that must be in some lazy chunk, so the check cannot pass on a build without them. */
const lazy = [
  'components/RunPage/RunPage.tsx',
  'components/RunPage/LogViewer.tsx',
  'components/CiCdTab/CiCdTab.tsx',
  'components/Editor/EditorPage.tsx',
];

const fail = message => {
  console.error(`start-up bundle check: ${message}`);
  process.exit(1);
};

const indexFile = path.join(dist, 'index.html');
if (!fs.existsSync(indexFile)) {
  fail(
    `${path.relative(
      root,
      indexFile,
    )} does not exist; build the frontend first (bash scripts/comet.sh build-app)`,
  );
}
const startup = [
  ...fs
    .readFileSync(indexFile, 'utf8')
    .matchAll(/<script[^>]*\bsrc="\/static\/([^"]+\.js)"/g),
].map(match => match[1]);
if (startup.length === 0) fail('index.html names no start-up scripts');

/**
 * The plugin's files (relative to its src/) that a script's source map names. A start-up
 * script must have one; a lazy chunk without one names nothing.
 */
function pluginSources(script, required = false) {
  const mapFile = path.join(dist, 'static', `${script}.map`);
  if (!fs.existsSync(mapFile)) {
    if (!required) return [];
    fail(`static/${script} has no source map (static/${script}.map)`);
  }
  const { sources = [] } = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
  return sources.flatMap(source => {
    const at = source.indexOf(plugin);
    return at === -1 ? [] : [source.slice(at + plugin.length)];
  });
}

const problems = [];
for (const script of startup) {
  for (const file of pluginSources(script, true)) {
    if (!allowed.has(file)) {
      problems.push(
        `${plugin}${file} is in the start-up script static/${script}`,
      );
    }
  }
}
const startupSet = new Set(startup);
const inLazyChunks = new Set(
  fs
    .readdirSync(path.join(dist, 'static'))
    .filter(name => name.endsWith('.js') && !startupSet.has(name))
    .flatMap(name => pluginSources(name)),
);
for (const file of lazy) {
  if (!inLazyChunks.has(file)) {
    problems.push(`${plugin}${file} is in no lazy chunk of the build`);
  }
}
if (problems.length) fail(`\n  ${problems.join('\n  ')}`);
console.log(
  `start-up bundle check: ${startup.length} start-up scripts hold only the pipelines plugin's definition (${allowed.size} files allowed); its pages are in lazy chunks`,
);
