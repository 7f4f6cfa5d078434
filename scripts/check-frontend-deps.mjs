#!/usr/bin/env node
// Checks that no frontend plugin depends on another frontend plugin. Cross-plugin UI goes
// through extension inputs: the host declares an input whose blueprint lives in a shared
// web-library (e.g. @internal/plugin-pipelines-react) and other plugins attach to it by
// extension id, so each plugin can be installed, replaced or left out on its own.
// Reads every workspace package.json (plugins/* and packages/*); a frontend plugin is one with
// `backstage.role: frontend-plugin`. dependencies, devDependencies and peerDependencies all
// count. Exits 1 naming both packages of each violation.
//
//   yarn check:frontend-deps
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dependencyFields = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
];

/** Every workspace package: its name, role, dependencies and where its package.json is. */
const workspaces = ['plugins', 'packages'].flatMap(folder =>
  fs
    .readdirSync(path.join(root, folder), { withFileTypes: true })
    .filter(entry => entry.isDirectory())
    .map(entry => path.join(folder, entry.name, 'package.json'))
    .filter(file => fs.existsSync(path.join(root, file)))
    .map(file => ({
      file,
      json: JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')),
    })),
);

const frontendPlugins = new Map(
  workspaces
    .filter(({ json }) => json.backstage?.role === 'frontend-plugin')
    .map(workspace => [workspace.json.name, workspace]),
);

const problems = [];
for (const [name, { file, json }] of frontendPlugins) {
  for (const field of dependencyFields) {
    for (const dependency of Object.keys(json[field] ?? {})) {
      if (dependency !== name && frontendPlugins.has(dependency)) {
        problems.push(
          `${name} (${file}) has the frontend plugin ${dependency} (${
            frontendPlugins.get(dependency).file
          }) in ${field}`,
        );
      }
    }
  }
}

if (problems.length) {
  console.error(
    `frontend dependency check: a frontend plugin depends on another; attach to its extension inputs through a shared -react package instead:\n  ${problems.join(
      '\n  ',
    )}`,
  );
  process.exit(1);
}
console.log(
  `frontend dependency check: ${frontendPlugins.size} frontend plugins, none depends on another`,
);
