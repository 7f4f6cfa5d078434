/*
 * The peer of `yarn bench:github`: the community GitHub Actions plugin
 * (`@backstage-community/plugin-github-actions`, a frontend plugin), installed with npm into
 * `.data/bench-github/peer` (git-ignored; reused while the pinned version stays the same; never
 * a workspace dependency, and none of its code is in this repository).
 *
 * Its package entry cannot be loaded in Node (see `probeEntry`), so the bench loads two of its
 * published modules by path, unchanged:
 * - `dist/api/GithubActionsClient.esm.js`: `GithubActionsClient`, what its API factory builds
 *   from `configApi` and `scmAuthApi`; every call makes a new `@octokit/rest` client with the
 *   user's OAuth token and calls GitHub from the browser;
 * - `dist/components/useWorkflowRuns.esm.js`: `fetchWorkflowRuns`, the data loader of its
 *   workflow runs table (the entity tab), and the hook the overview card uses.
 * The second one imports `react-use/esm/useAsyncRetry` without its `.js`, which only bundlers
 * resolve; a resolve hook (`registerBundlerResolve`) adds `.js` or `/index.js` where Node finds
 * nothing, and changes nothing else.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import * as nodeModule from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const PEER_PACKAGE = '@backstage-community/plugin-github-actions';
export const PEER_VERSION = '1.3.0';

/** The npm next to the Node that runs this script, else the one on PATH. */
function npmBinary() {
  const besideNode = path.join(path.dirname(process.execPath), 'npm');
  return fs.existsSync(besideNode) ? besideNode : 'npm';
}

/**
 * Installs the peer into `dir` unless its stamp says this version is there. Returns the
 * seconds spent installing (0 when reused).
 */
export function ensurePeerInstalled(dir: string): number {
  const manifest = {
    name: 'comet-bench-github-peer',
    private: true,
    dependencies: { [PEER_PACKAGE]: PEER_VERSION },
  };
  const wanted = JSON.stringify(manifest, null, 2);
  const stamp = path.join(dir, '.installed-stamp');
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) {
    return 0;
  }
  const started = Date.now();
  fs.writeFileSync(path.join(dir, 'package.json'), `${wanted}\n`);
  process.stderr.write(
    `installing ${PEER_PACKAGE}@${PEER_VERSION} into ${dir} (once; about a minute)\n`,
  );
  execFileSync(
    npmBinary(),
    [
      'install',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 },
  );
  fs.writeFileSync(stamp, wanted);
  return (Date.now() - started) / 1000;
}

function packageDir(dir: string) {
  return path.join(dir, 'node_modules', ...PEER_PACKAGE.split('/'));
}

const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' && error?.code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw error;
    for (const suffix of ['.js', '/index.js']) {
      try { return await next(specifier + suffix, context); } catch {}
    }
    throw error;
  }
}`;
const RESOLVE_HOOK_URL = `data:text/javascript,${encodeURIComponent(
  RESOLVE_HOOK,
)}`;

/**
 * Why the package's entry (`import '@backstage-community/plugin-github-actions'`) does not load
 * in Node, as Node says it, or undefined when it does; tried in a child process, so what it
 * loads stays out of this one. With `withResolveHook`, bundler-style paths are resolved first.
 */
export function probeEntry(
  dir: string,
  withResolveHook: boolean,
): string | undefined {
  const script = `${
    withResolveHook
      ? `import { register } from 'node:module'; register(${JSON.stringify(
          RESOLVE_HOOK_URL,
        )});`
      : ''
  }
try { await import(${JSON.stringify(PEER_PACKAGE)}); }
catch (error) { process.stdout.write(String(error.message).split('\\n')[0]); }`;
  const output = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', script],
    { cwd: dir, encoding: 'utf8', timeout: 120_000 },
  ).trim();
  return output || undefined;
}

let hookRegistered = false;
/**
 * Resolves `react-use/esm/useAsyncRetry` as a bundler does (adds `.js` or `/index.js`). With
 * Node's synchronous hooks (`module.registerHooks`, Node 22.15 and later): the hooks of
 * `module.register` run on a loader thread that cannot answer Node's `require()` of an ES
 * module (`ERR_METHOD_NOT_IMPLEMENTED: resolveSync`), which loading these modules involves.
 */
function registerBundlerResolve() {
  if (hookRegistered) return;
  if (nodeModule.registerHooks) {
    nodeModule.registerHooks({
      resolve(specifier, context, next) {
        try {
          return next(specifier, context);
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (
            code !== 'ERR_MODULE_NOT_FOUND' &&
            code !== 'ERR_UNSUPPORTED_DIR_IMPORT'
          ) {
            throw error;
          }
          for (const suffix of ['.js', '/index.js']) {
            try {
              return next(specifier + suffix, context);
            } catch {
              // try the next suffix
            }
          }
          throw error;
        }
      },
    });
  } else {
    nodeModule.register(RESOLVE_HOOK_URL);
  }
  hookRegistered = true;
}

/** What the peer's table and card call, with the client its API factory builds. */
export type GitHubActionsPeer = {
  /** `new GithubActionsClient({ configApi, scmAuthApi })`, as its `ApiBlueprint` makes it. */
  client: any;
  /** Its `fetchWorkflowRuns` (the table's `getData`), bound to the client. */
  fetchWorkflowRuns(options: {
    owner: string;
    repo: string;
    hostname?: string;
    branch?: string;
    page: number;
    pageSize: number;
  }): Promise<{ runs: Array<{ id: string }>; totalCount: number }>;
  /** The installed version, read from its package.json. */
  version: string;
};

/**
 * Loads the peer's client and table loader from `dir`, with stand-ins for the two browser APIs
 * its client uses: `configApi` (the app's `integrations.github`, here github.com with
 * `apiBaseUrl` at the fake) and `scmAuthApi` (the signed-in user's GitHub OAuth token, here the
 * fake's demo token).
 */
export async function loadPeer(
  dir: string,
  options: { apiBaseUrl: string; token: string; config: any },
): Promise<GitHubActionsPeer> {
  registerBundlerResolve();
  const root = packageDir(dir);
  const version = JSON.parse(
    fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
  ).version;
  const clientModule = await import(
    pathToFileURL(path.join(root, 'dist/api/GithubActionsClient.esm.js')).href
  );
  const hookModule = await import(
    pathToFileURL(path.join(root, 'dist/components/useWorkflowRuns.esm.js'))
      .href
  );
  const client = new clientModule.GithubActionsClient({
    configApi: options.config,
    scmAuthApi: {
      getCredentials: async () => ({
        token: options.token,
        headers: { Authorization: `Bearer ${options.token}` },
      }),
    },
  });
  const errorApi = { post: () => {}, error$: () => undefined };
  return {
    client,
    version,
    fetchWorkflowRuns: request =>
      hookModule.fetchWorkflowRuns({ api: client, errorApi, ...request }),
  };
}
