import { dirname, join } from 'node:path';

/** `@kubernetes/client-node`, loaded at run time (it is ESM-only; this package is CommonJS). */
export type KubernetesClientModule = typeof import('@kubernetes/client-node');

let loaded: Promise<KubernetesClientModule> | undefined;

/**
 * Loads `@kubernetes/client-node` with `import()`. Jest runs the tests as CommonJS without
 * `--experimental-vm-modules`, where `import()` throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG
 * and the package's `exports` have no `require` condition: there its entry file is required by
 * path, which Backstage's jest transform compiles to CommonJS. Either way it is the same code.
 */
export function loadKubernetesClient(): Promise<KubernetesClientModule> {
  loaded ??= (async () => {
    try {
      return (await import(
        '@kubernetes/client-node'
      )) as KubernetesClientModule;
    } catch (error) {
      if (
        (error as { code?: string })?.code !==
        'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG'
      ) {
        throw error;
      }
      const root = dirname(
        require.resolve('@kubernetes/client-node/package.json'),
      );
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(join(root, 'dist', 'index.js')) as KubernetesClientModule;
    }
  })().catch(error => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}
