// A copy of one commit's source tree that runs with the repository's installed dependencies,
// so a benchmark can measure Comet at that commit while the working tree changes (or does not
// start) without a second install: `git archive` of the commit, and a node_modules whose
// entries link to the repository's, except the workspace packages, which link into the copy.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './portal.mjs';

function workspacePackages(treeDir) {
  const found = [];
  for (const group of ['packages', 'plugins']) {
    const groupDir = path.join(treeDir, group);
    if (!fs.existsSync(groupDir)) continue;
    for (const name of fs.readdirSync(groupDir)) {
      const manifest = path.join(groupDir, name, 'package.json');
      if (fs.existsSync(manifest)) {
        found.push({
          dir: path.join(group, name),
          name: JSON.parse(fs.readFileSync(manifest, 'utf8')).name,
        });
      }
    }
  }
  return found;
}

/**
 * The directory of a runnable copy of `commit` under `parentDir` (made once per commit).
 * Returns the full commit id too.
 */
export function cometTreeAt(commit, parentDir) {
  const sha = execFileSync(
    'git',
    ['rev-parse', '--verify', `${commit}^{commit}`],
    {
      cwd: root,
      encoding: 'utf8',
    },
  ).trim();
  const treeDir = path.join(parentDir, sha.slice(0, 12));
  const complete = path.join(treeDir, '.bench-tree-complete');
  if (fs.existsSync(complete)) return { treeDir, sha };
  fs.rmSync(treeDir, { recursive: true, force: true });
  fs.mkdirSync(treeDir, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', sha], {
    cwd: root,
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', treeDir], { input: archive });

  const modules = path.join(treeDir, 'node_modules');
  fs.mkdirSync(modules);
  const packages = workspacePackages(treeDir);
  const ownTopLevel = new Set(packages.map(p => p.name?.split('/')[0]));
  for (const entry of fs.readdirSync(path.join(root, 'node_modules'))) {
    if (ownTopLevel.has(entry)) continue;
    fs.symlinkSync(
      path.join(root, 'node_modules', entry),
      path.join(modules, entry),
    );
  }
  for (const { dir, name } of packages) {
    if (!name) continue;
    const link = path.join(modules, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(
      path.relative(path.dirname(link), path.join(treeDir, dir)),
      link,
    );
    // Dependencies a workspace did not hoist (e.g. the backend's own copies)
    const own = path.join(root, dir, 'node_modules');
    if (fs.existsSync(own)) {
      fs.symlinkSync(own, path.join(treeDir, dir, 'node_modules'));
    }
  }
  fs.writeFileSync(complete, `${sha}\n`);
  return { treeDir, sha };
}
