import type {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import type { Config } from '@backstage/config';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { audited } from '@internal/backend-common';
import {
  aiAssistantChatUsePermission,
  aiAssistantNotConfiguredMessage,
  type AiGeneratedPipeline,
  type AiGeneratedPipelineProblem,
} from '@internal/plugin-ai-assistant-common';
import type { Request } from 'express';
import { ActionReader, ActionReadError } from '../explain/ActionReader';
import {
  type ChatMessage,
  type OpenAiChatClient,
} from '../provider/OpenAiChatClient';
import type { AiAssistantMetrics } from '../service/AiAssistantMetrics';
import { countAssistantRequest } from '../service/AiAssistantService';
import { askModel } from './askModel';
import type { AiAssistantSettings } from '../service/AiAssistantSettings';
import type { DatabaseAiAssistantStore } from '../store/DatabaseAiAssistantStore';
import type { SecretMasker } from '../tools/SecretMasker';
import {
  extractPipelineYaml,
  initialMessages,
  repairMessages,
} from './pipelinePrompt';

/** The action that says whether a pipeline file is valid; owned by the pipelines plugin. */
export const VALIDATE_PIPELINE_ACTION = 'pipelines:validate-pipeline';
/** Where a new pipeline goes unless the request names a path. */
export const DEFAULT_GENERATED_PIPELINE_PATH = '.comet/pipeline.yaml';
export const DEFAULT_MAX_REPAIRS = 3;
/** The most problems one result (and one repair prompt) carries. */
const MAX_PROBLEMS = 50;

/** What `aiAssistant.generation.*` sets. */
export type PipelineGenerationSettings = {
  /** Repairs after the first answer when the validator rejects it. */
  maxRepairs: number;
};

/** `aiAssistant.generation.maxRepairs`, checked: a bad value stops start-up naming the key. */
export function readPipelineGenerationSettings(
  config: Config,
): PipelineGenerationSettings {
  const key = 'aiAssistant.generation.maxRepairs';
  const value = config.getOptionalNumber(key);
  if (value === undefined) return { maxRepairs: DEFAULT_MAX_REPAIRS };
  if (!Number.isInteger(value) || value < 0 || value > 10) {
    throw new InputError(
      `${key}: ${value} must be a whole number from 0 to 10`,
    );
  }
  return { maxRepairs: value };
}

export type PipelineGenerationRequest = {
  description: string;
  entityRef?: string;
  path?: string;
  currentContent?: string;
};

type ValidatorOutput = {
  ok: boolean;
  issues: Array<{
    message: string;
    path?: string;
    line?: number;
    column?: number;
  }>;
};

/**
 * "Generate with AI" for pipelines (`POST /generate/pipeline`, the action
 * `ai-assistant:generate-pipeline`): asks the configured model for a Comet pipeline file from
 * a description (and the current file, to change it), checks the answer with the pipelines
 * plugin's own validator through the actions service with the caller's credentials, and sends
 * the validator's problems back to the model until the file is valid or
 * `aiAssistant.generation.maxRepairs` repairs are spent. It writes nothing: the result is
 * text for the user to review in the editor. The description and the file are masked before
 * they reach the model; one generation counts as one request against the user's rate limit,
 * and every model call's tokens are recorded as the chat's are.
 */
export class PipelineGenerator {
  static create(options: {
    actions: ActionsService;
    store: DatabaseAiAssistantStore;
    masker: SecretMasker;
    settings: AiAssistantSettings;
    generation: PipelineGenerationSettings;
    permissions: PermissionsService;
    auditor: AuditorService;
    logger: LoggerService;
    client?: OpenAiChatClient;
    metrics?: AiAssistantMetrics;
    clock?: () => Date;
  }): PipelineGenerator {
    return new PipelineGenerator(options);
  }

  private readonly clock: () => Date;

  private constructor(
    private readonly options: Parameters<typeof PipelineGenerator.create>[0],
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  async generate(
    credentials: BackstageCredentials,
    input: PipelineGenerationRequest,
    request?: Request,
  ): Promise<AiGeneratedPipeline> {
    const path = input.path ?? DEFAULT_GENERATED_PIPELINE_PATH;
    return audited(
      this.options.auditor,
      {
        eventId: 'generate-pipeline',
        severityLevel: 'low',
        request,
        meta: {
          path,
          entityRef: input.entityRef ?? null,
          modify: input.currentContent !== undefined,
        },
      },
      () => this.run(credentials, { ...input, path }),
      result => ({
        valid: result.valid,
        attempts: result.attempts,
        problems: result.problems.length,
        model: result.model,
      }),
    );
  }

  private async run(
    credentials: BackstageCredentials,
    input: PipelineGenerationRequest & { path: string },
  ): Promise<AiGeneratedPipeline> {
    const { settings, permissions, masker, client } = this.options;
    const [decision] = await permissions.authorize(
      [{ permission: aiAssistantChatUsePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not use the AI assistant (${aiAssistantChatUsePermission.name})`,
      );
    }
    const userRef = (credentials.principal as { userEntityRef?: string })
      .userEntityRef;
    if (!userRef) {
      throw new NotAllowedError(
        'Pipelines are generated for signed-in users only (usage and the rate limit are per user)',
      );
    }
    if (!client) {
      throw new ServiceUnavailableError(
        aiAssistantNotConfiguredMessage(settings.missingProviderKeys),
      );
    }
    await this.countRequest(userRef);

    const first = initialMessages({
      description: masker.mask(input.description),
      path: input.path,
      ...(input.entityRef ? { entityRef: input.entityRef } : {}),
      ...(input.currentContent !== undefined
        ? { currentContent: masker.mask(input.currentContent) }
        : {}),
    });
    const reader = ActionReader.create({
      actions: this.options.actions,
      credentials,
    });
    const attemptsAllowed = 1 + this.options.generation.maxRepairs;
    let messages: ChatMessage[] = first;
    let content = '';
    let problems: AiGeneratedPipelineProblem[] = [];
    for (let attempt = 1; attempt <= attemptsAllowed; attempt++) {
      const answer = await this.ask(client, userRef, messages);
      const yaml = extractPipelineYaml(answer);
      if (yaml === undefined) {
        problems = [
          {
            message: 'The model answered with no pipeline file at all',
            path: '',
          },
        ];
      } else {
        content = masker.mask(yaml);
        problems = await this.validate(reader, content, input.path);
        if (problems.length === 0) {
          return {
            path: input.path,
            content,
            valid: true,
            attempts: attempt,
            problems: [],
            model: client.model,
          };
        }
      }
      this.options.logger.debug(
        `Generated pipeline ${input.path}: attempt ${attempt} of ${attemptsAllowed} has ${problems.length} problem(s)`,
      );
      messages = repairMessages(first, answer, input.path, problems);
    }
    return {
      path: input.path,
      content,
      valid: false,
      attempts: attemptsAllowed,
      problems,
      model: client.model,
    };
  }

  /** One model call; its tokens are recorded whatever happens. */
  private ask(
    client: OpenAiChatClient,
    userRef: string,
    messages: ChatMessage[],
  ): Promise<string> {
    return askModel(this.options, {
      client,
      userRef,
      messages,
      what: 'The pipeline could not be generated',
    });
  }

  /** The validator's problems with the file; none when it is valid. */
  private async validate(
    reader: ActionReader,
    yaml: string,
    file: string,
  ): Promise<AiGeneratedPipelineProblem[]> {
    let output: ValidatorOutput;
    try {
      output = await reader.invoke<ValidatorOutput>(VALIDATE_PIPELINE_ACTION, {
        yaml,
        file,
      });
    } catch (error) {
      const e = error as ActionReadError;
      const message = `The generated pipeline could not be validated: ${e.message}`;
      if (e.statusCode === 403) throw new NotAllowedError(message);
      throw new ServiceUnavailableError(
        `${message}. Is the pipelines plugin installed and listed in backend.actions.pluginSources?`,
      );
    }
    if (output?.ok) return [];
    const issues = Array.isArray(output?.issues) ? output.issues : [];
    if (issues.length === 0) {
      return [
        {
          message: `${VALIDATE_PIPELINE_ACTION} rejected the file without saying why`,
          path: '',
        },
      ];
    }
    return issues.slice(0, MAX_PROBLEMS).map(issue => ({
      message: String(issue.message),
      path: issue.path ?? '',
      ...(typeof issue.line === 'number' ? { line: issue.line } : {}),
      ...(typeof issue.column === 'number' ? { column: issue.column } : {}),
    }));
  }

  private countRequest(userRef: string) {
    return countAssistantRequest(this.options, userRef, this.clock());
  }
}
