#!/usr/bin/env node
// Checks the built frontend (packages/app/dist) for what the app loads at start-up: the
// scripts index.html names. The pipelines plugin must add only its definition there (the
// plugin, its routes, API ref and lazy client, the entity filter and the start-up prefetch of
// a run's address) and the blueprints of @internal/plugin-pipelines-react that plugins attach
// with; its pages, tab, card, log viewer, editor and the components that render other
// plugins' attached extensions must stay in lazy chunks. Reads each script's source map, so
// it names the file that got in. Every file named below must exist, so that a rename cannot
// leave the lists checking nothing. Exits 1 on a problem.
//
//   yarn check:startup-bundle      (after `bash scripts/comet.sh build-app`)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'packages', 'app', 'dist');

/**
 * Per package (its src/ folder): the files allowed in the start-up scripts, and the files that
 * must be in some lazy chunk, so the check cannot pass on a build without them.
 */
const packages = [
  {
    src: 'plugins/pipelines/src/',
    allowed: [
      'plugin.tsx',
      'routes.ts',
      'filters.ts',
      'RunLinkPrefetch.tsx',
      'api/PipelinesApi.ts',
      'api/LazyPipelinesClient.ts',
      'api/reconnect.ts',
      'components/RunPage/prefetch.ts',
    ],
    lazy: [
      'components/RunPage/RunPage.tsx',
      'components/RunPage/LogViewer.tsx',
      'components/CiCdTab/CiCdTab.tsx',
      'components/Editor/EditorPage.tsx',
      'components/extensions/RunPageActions.tsx',
      'components/extensions/EntityPanels.tsx',
      'components/extensions/EditorActions.tsx',
      'components/extensions/CiCdRunActions.tsx',
    ],
  },
  {
    // Other plugins' definitions use these blueprints, so they are start-up code by design
    src: 'plugins/pipelines-react/src/',
    allowed: [
      'index.ts',
      'attachPoints.ts',
      'CiCdProviderBlueprint.ts',
      'RunPageActionBlueprint.ts',
      'EntityPanelBlueprint.ts',
      'EditorActionBlueprint.ts',
      'CiCdRunActionBlueprint.ts',
    ],
    lazy: [],
  },
];

const fail = message => {
  console.error(`start-up bundle check: ${message}`);
  process.exit(1);
};

const missing = packages.flatMap(({ src, allowed, lazy }) =>
  [...allowed, ...lazy]
    .filter(file => !fs.existsSync(path.join(root, src, file)))
    .map(file => `${src}${file}`),
);
if (missing.length) {
  fail(
    `the lists in scripts/check-startup-bundle.mjs name files that do not exist (renamed or removed? update the lists):\n  ${missing.join(
      '\n  ',
    )}`,
  );
}

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
 * The checked packages' files (`plugins/<package>/src/<file>`) that a script's source map
 * names. A start-up script must have a source map; a lazy chunk without one names nothing.
 */
function packageSources(script, required = false) {
  const mapFile = path.join(dist, 'static', `${script}.map`);
  if (!fs.existsSync(mapFile)) {
    if (!required) return [];
    fail(`static/${script} has no source map (static/${script}.map)`);
  }
  const { sources = [] } = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
  return sources.flatMap(source =>
    packages.flatMap(({ src }) => {
      const at = source.indexOf(src);
      return at === -1 ? [] : [`${src}${source.slice(at + src.length)}`];
    }),
  );
}

const allowed = new Set(
  packages.flatMap(({ src, allowed: files }) => files.map(f => `${src}${f}`)),
);
const problems = [];
for (const script of startup) {
  for (const file of packageSources(script, true)) {
    if (!allowed.has(file)) {
      problems.push(`${file} is in the start-up script static/${script}`);
    }
  }
}
const startupSet = new Set(startup);
const inLazyChunks = new Set(
  fs
    .readdirSync(path.join(dist, 'static'))
    .filter(name => name.endsWith('.js') && !startupSet.has(name))
    .flatMap(name => packageSources(name)),
);
for (const { src, lazy } of packages) {
  for (const file of lazy) {
    if (!inLazyChunks.has(`${src}${file}`)) {
      problems.push(`${src}${file} is in no lazy chunk of the build`);
    }
  }
}
if (problems.length) fail(`\n  ${problems.join('\n  ')}`);
console.log(
  `start-up bundle check: ${startup.length} start-up scripts hold only the pipelines plugin's definition and its blueprints (${allowed.size} files allowed); its pages are in lazy chunks`,
);
