import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { pipelineSandboxServiceRef, PipelineSandboxService } from './sandbox';

describe('pipelineSandboxServiceRef', () => {
  it('defaults to the bubblewrap sandbox, configured from pipelines.sandbox', async () => {
    let sandbox: PipelineSandboxService | undefined;
    await startTestBackend({
      features: [
        mockServices.rootConfig.factory({
          data: {
            pipelines: {
              sandbox: { bwrapPath: '/opt/none/bwrap', maxTmpMb: 77 },
            },
          },
        }),
        createBackendPlugin({
          pluginId: 'sandbox-user',
          register(env) {
            env.registerInit({
              deps: { sandbox: pipelineSandboxServiceRef },
              async init(deps) {
                sandbox = deps.sandbox;
              },
            });
          },
        }),
      ],
    });
    expect(sandbox!.describe()).toMatch(
      /^bubblewrap \(\/opt\/none\/bwrap\); .*\/tmp 77 MiB/,
    );
    expect(await sandbox!.available()).toEqual({
      available: false,
      reason:
        'bubblewrap was not found at /opt/none/bwrap (install the Debian/Ubuntu package "bubblewrap")',
    });
  });
});
