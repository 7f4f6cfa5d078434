import {
  type AuditorServiceCreateEventOptions,
  type BackstageCredentials,
  coreServices,
  createBackendPlugin,
  createServiceFactory,
  type PermissionsService,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import type { Knex } from 'knex';
import request from 'supertest';
import { aiAssistantPlugin } from '../../plugin';

export const ADA = 'user:default/ada';
/** May use the assistant, but the stand-in pipelines plugin refuses to validate for him. */
export const BOB = 'user:default/bob';
/** May not use the assistant (`ai-assistant.chat.use`). */
export const MALLORY = 'user:default/mallory';

/** A secret in the backend's config: it must never reach the model. */
export const DEPLOY_TOKEN = 'deploy-token-5f0e9a7c1b';

function userOf(credentials: BackstageCredentials): string | undefined {
  return (credentials.principal as { userEntityRef?: string }).userEntityRef;
}

const permissions: PermissionsService = {
  async authorize(requests, options) {
    return requests.map(r => ({
      ...r,
      result:
        userOf(options.credentials) === MALLORY &&
        r.permission.name === 'ai-assistant.chat.use'
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
    })) as any;
  },
  async authorizeConditional(requests) {
    return requests.map(r => ({ ...r, result: AuthorizeResult.ALLOW })) as any;
  },
};

export type ValidatorCall = { user?: string; yaml: string; file?: string };

/**
 * A stand-in pipelines plugin whose `validate-pipeline` is the real one's check: the same
 * parser (`parsePipeline` from pipelines-common) with one registered step type, answering
 * what the real action answers. It records who called it, and refuses {@link BOB}.
 */
function pipelinesStandIn(calls: ValidatorCall[]) {
  return createBackendPlugin({
    pluginId: 'pipelines',
    register(reg) {
      reg.registerInit({
        deps: { registry: actionsRegistryServiceRef },
        async init({ registry }) {
          registry.register({
            name: 'validate-pipeline',
            title: 'Validate a pipeline file',
            description: 'Validates the YAML of a Comet pipeline file',
            attributes: {
              readOnly: true,
              destructive: false,
              idempotent: true,
            },
            schema: {
              input: z =>
                z.object({ yaml: z.string(), file: z.string().optional() }),
              output: z =>
                z.object({
                  ok: z.boolean(),
                  issues: z.array(
                    z.object({
                      message: z.string(),
                      path: z.string(),
                      file: z.string().optional(),
                      line: z.number().optional(),
                      column: z.number().optional(),
                    }),
                  ),
                }),
            },
            action: async ({ input, credentials }) => {
              const user = userOf(credentials);
              calls.push({ user, yaml: input.yaml, file: input.file });
              if (user === BOB) {
                throw new NotAllowedError(
                  'You may not validate pipelines (pipelines.pipeline.validate)',
                );
              }
              const result = parsePipeline(input.yaml, {
                file: input.file,
                stepTypes: ['sonarqube/quality-gate'],
              });
              return {
                output: {
                  ok: result.ok,
                  issues: result.ok ? [] : result.issues,
                },
              };
            },
          });
        },
      });
    },
  });
}

/**
 * The assistant in a test backend with Backstage's own actions registry and actions service,
 * a stand-in pipelines plugin with the real validator, a permission policy per user and
 * recorded audit events.
 */
export async function startPipelineGenerationBackend(options: {
  aiAssistant?: JsonObject;
  knex: Knex;
  /** Leave the pipelines plugin out, as a backend without it. */
  withoutPipelines?: boolean;
}) {
  const validatorCalls: ValidatorCall[] = [];
  const audits: Array<AuditorServiceCreateEventOptions & { outcome?: string }> =
    [];
  const auditorFactory = createServiceFactory({
    service: coreServices.auditor,
    deps: {},
    factory: () => ({
      async createEvent(event: AuditorServiceCreateEventOptions) {
        const recorded: (typeof audits)[number] = {
          ...event,
          request: undefined,
        };
        audits.push(recorded);
        return {
          async success(result?: { meta?: JsonObject }) {
            recorded.outcome = 'success';
            if (result?.meta) {
              recorded.meta = { ...recorded.meta, ...result.meta };
            }
          },
          async fail() {
            recorded.outcome = 'fail';
          },
        };
      },
    }),
  });
  const backend = await startTestBackend({
    features: [
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      auditorFactory,
      createServiceFactory({
        service: coreServices.permissions,
        deps: {},
        factory: () => permissions,
      }),
      mockServices.database.factory({ knex: options.knex }),
      mockServices.rootConfig.factory({
        data: {
          backend: {
            actions: { pluginSources: ['pipelines', 'ai-assistant'] },
          },
          pipelines: { secrets: { DEPLOY_TOKEN } },
          ...(options.aiAssistant ? { aiAssistant: options.aiAssistant } : {}),
        },
      }),
      ...(options.withoutPipelines ? [] : [pipelinesStandIn(validatorCalls)]),
      aiAssistantPlugin,
    ],
  });
  const http = () => request(backend.server);
  const as = (user: string) => mockCredentials.user.header(user);
  return {
    http,
    as,
    generate: (user: string, body: object) =>
      http()
        .post('/api/ai-assistant/generate/pipeline')
        .set('authorization', as(user))
        .send(body),
    invokeAction: (user: string, input: object) =>
      http()
        .post(
          '/api/ai-assistant/.backstage/actions/v1/actions/ai-assistant:generate-pipeline/invoke',
        )
        .set('authorization', as(user))
        .send(input),
    validatorCalls,
    audits,
    stop: () => backend.stop(),
  };
}
