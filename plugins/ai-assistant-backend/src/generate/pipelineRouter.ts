import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import { RateLimitedError } from '../service/AiAssistantService';
import type { PipelineGenerator } from './PipelineGenerator';

/** The longest description, in characters. */
export const MAX_DESCRIPTION_CHARS = 4000;
/** The longest current file sent to be modified, in characters. */
export const MAX_CURRENT_CONTENT_CHARS = 200_000;

/** The body of `POST /generate/pipeline` and the input of `ai-assistant:generate-pipeline`. */
export const generatePipelineBody = z
  .object({
    description: z
      .string({ required_error: 'description is required' })
      .trim()
      .min(1, 'must not be empty')
      .max(
        MAX_DESCRIPTION_CHARS,
        `must be at most ${MAX_DESCRIPTION_CHARS} characters`,
      ),
    entityRef: z
      .string()
      .regex(
        /^[a-z0-9_.-]+:[a-z0-9_.-]+\/[a-z0-9_.-]+$/i,
        'must be an entity ref such as component:default/payments-api',
      )
      .optional(),
    path: z
      .string()
      .trim()
      .max(255, 'must be at most 255 characters')
      .regex(
        /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._/-]+\.ya?ml$/,
        'must be a relative path inside the repository ending in .yaml or .yml, such as .comet/pipeline.yaml',
      )
      .optional(),
    currentContent: z
      .string()
      .max(
        MAX_CURRENT_CONTENT_CHARS,
        `must be at most ${MAX_CURRENT_CONTENT_CHARS} characters`,
      )
      .optional(),
  })
  .strict();

/**
 * `POST /generate/pipeline` (see docs/ai-assistant.md): a pipeline file from a description,
 * validated and repaired, for the signed-in user. Mounted before the chat's router, so its
 * own body limit applies (a current file of up to {@link MAX_CURRENT_CONTENT_CHARS}).
 */
export async function createPipelineGenerationRouter(options: {
  generator: PipelineGenerator;
  httpAuth: HttpAuthService;
}): Promise<express.Router> {
  const { generator, httpAuth } = options;
  const router = Router();

  router.post(
    '/generate/pipeline',
    express.json({ limit: '1mb' }),
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const body = parseInput(generatePipelineBody, req.body ?? {}, 'body');
      try {
        res.json(await generator.generate(credentials, body, req));
      } catch (error) {
        if (error instanceof RateLimitedError) {
          res.setHeader('retry-after', String(error.retryAfterSeconds));
        }
        throw error;
      }
    },
  );

  return router;
}
