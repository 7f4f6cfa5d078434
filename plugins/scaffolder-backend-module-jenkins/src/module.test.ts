import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  scaffolderActionsExtensionPoint,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleJenkins } from './module';

describe('scaffolderModuleJenkins', () => {
  it('adds the jenkins:job:* actions, with the client of jenkins.* config', async () => {
    const added: TemplateAction<any, any, any>[] = [];
    const backend = await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...actions: any[]) => added.push(...actions) },
        ],
      ],
      features: [
        scaffolderModuleJenkins,
        mockServices.rootConfig.factory({
          data: {
            jenkins: {
              instances: [
                {
                  name: 'ci',
                  baseUrl: 'https://jenkins.example.com',
                  username: 'comet',
                  apiKey: 'module-test-token',
                },
              ],
            },
          },
        }),
      ],
    });
    try {
      expect(added.map(a => a.id)).toEqual([
        'jenkins:job:create',
        'jenkins:job:build',
      ]);
      // A dry run sends nothing to Jenkins but resolves the configured instance
      const output: Record<string, unknown> = {};
      await added[0].handler({
        input: { name: 'refunds-api', configXml: '<project/>' },
        isDryRun: true,
        task: { id: 'module-test-task' },
        workspacePath: '/nonexistent',
        // configXml needs jenkins.job.configure of whoever started the task
        getInitiatorCredentials: async () => mockCredentials.user(),
        logger: mockServices.logger.mock(),
        output: (name: string, value: unknown) => {
          output[name] = value;
        },
      } as any);
      expect(output).toEqual({
        jobFullName: 'refunds-api',
        jobUrl: 'https://jenkins.example.com/job/refunds-api/',
        annotation: 'ci:refunds-api',
      });
    } finally {
      await backend.stop();
    }
  });
});
