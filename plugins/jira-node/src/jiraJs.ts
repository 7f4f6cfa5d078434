import { dirname, join } from 'node:path';

export type JiraJsCloud = typeof import('jira.js/cloud');
export type JiraJsAgile = typeof import('jira.js/agile');
export type JiraJsClient = import('jira.js/core').Client;

/**
 * jira.js 6 is ESM-only and this package is CommonJS, so it is loaded with `import()`. Jest
 * runs the tests as CommonJS without `--experimental-vm-modules`, where `import()` throws
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG (and `require('jira.js')` cannot resolve: its
 * `exports` only have an `import` condition). There the module's file is required by path,
 * which Backstage's jest transform compiles to CommonJS. Either way it is the same jira.js code.
 */
async function load<T>(subpath: 'cloud' | 'agile'): Promise<T> {
  try {
    return subpath === 'cloud'
      ? ((await import('jira.js/cloud')) as T)
      : ((await import('jira.js/agile')) as T);
  } catch (error) {
    if (
      (error as { code?: string })?.code !==
      'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG'
    ) {
      throw error;
    }
    const root = dirname(require.resolve('jira.js/package.json'));
    // The functions only: compiled to CommonJS, the `export *` of every model schema in the
    // subpath's index evaluates a schema before the one it extends
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(root, 'dist', subpath, 'api', 'index.js')) as T;
  }
}

let cloud: Promise<JiraJsCloud> | undefined;
let agile: Promise<JiraJsAgile> | undefined;

/** jira.js's Jira Cloud platform API (REST v3): flat functions that take a client. */
export function loadJiraJsCloud(): Promise<JiraJsCloud> {
  cloud ??= load<JiraJsCloud>('cloud').catch(error => {
    cloud = undefined;
    throw error;
  });
  return cloud;
}

/** jira.js's Agile 1.0 API (the same on Cloud and Data Center). */
export function loadJiraJsAgile(): Promise<JiraJsAgile> {
  agile ??= load<JiraJsAgile>('agile').catch(error => {
    agile = undefined;
    throw error;
  });
  return agile;
}
