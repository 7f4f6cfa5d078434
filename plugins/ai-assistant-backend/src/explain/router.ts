import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { FailureExplainer } from './FailureExplainer';
import {
  FailureRulesInvalidError,
  type FailureRulesService,
  MAX_RULES_YAML_CHARS,
} from './FailureRulesService';

/** The body of `POST /rules/test` may carry a log of up to this size (`MAX_TEST_LOG_CHARS` and some). */
const TEST_BODY_LIMIT = '40mb';

export const explainBody = z
  .object({
    runId: z.string().trim().min(1, 'must not be empty').max(500).optional(),
    entityRef: z.string().trim().max(255).optional(),
    testRunId: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200)
      .optional(),
  })
  .strict();

const rulesUpdateBody = z
  .object({
    yaml: z
      .string({ required_error: 'yaml is required' })
      .max(
        MAX_RULES_YAML_CHARS,
        `must be at most ${MAX_RULES_YAML_CHARS} characters`,
      ),
    baseVersion: z.number().int().min(0).optional(),
  })
  .strict();

const rulesTestBody = z
  .object({
    rule: z.string().max(MAX_RULES_YAML_CHARS).optional(),
    rules: z.string().max(MAX_RULES_YAML_CHARS).optional(),
    ruleId: z.string().max(64).optional(),
    log: z.string({ required_error: 'log is required' }),
  })
  .strict()
  .refine(body => (body.rule === undefined) !== (body.rules === undefined), {
    message: 'give either rule (one rule) or rules (a rules file)',
    path: ['rule'],
  });

/**
 * "Explain this failure" and the failure rules (see docs/ai-assistant.md): `POST /explain`
 * (JSON, the user's credentials), `GET /rules` (signed-in users), `PUT /rules` and
 * `POST /rules/test` (`ai-assistant.rules.manage`, checked before the body is read).
 * Mounted before the chat's router, so its own body limits apply.
 */
export async function createFailureAnalysisRouter(options: {
  explainer: FailureExplainer;
  rules: FailureRulesService;
  httpAuth: HttpAuthService;
}): Promise<express.Router> {
  const { explainer, rules, httpAuth } = options;
  const router = Router();

  /** Users with `ai-assistant.rules.manage` only, before a large body is parsed. */
  const requireManage = async (req: express.Request) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    await rules.authorizeManage(credentials);
    return 'next' as const;
  };

  router.post('/explain', express.json({ limit: '16kb' }), async (req, res) => {
    const body = parseInput(explainBody, req.body ?? {}, 'body');
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await explainer.explain(credentials, body, req));
  });

  router.get('/rules', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await rules.view());
  });

  router.put(
    '/rules',
    requireManage,
    express.json({ limit: '1mb' }),
    express.text({
      limit: '1mb',
      type: [
        'text/yaml',
        'application/yaml',
        'application/x-yaml',
        'text/plain',
      ],
    }),
    async (req, res) => {
      const body = parseInput(
        rulesUpdateBody,
        typeof req.body === 'string' ? { yaml: req.body } : req.body ?? {},
        'body',
      );
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      try {
        res.json(await rules.update(credentials, body, req));
      } catch (error) {
        if (error instanceof FailureRulesInvalidError) {
          res.status(400).json({
            error: { name: 'InputError', message: error.message },
            issues: error.issues,
          });
          return;
        }
        throw error;
      }
    },
  );

  router.post(
    '/rules/test',
    requireManage,
    express.json({ limit: TEST_BODY_LIMIT }),
    async (req, res) => {
      const body = parseInput(rulesTestBody, req.body ?? {}, 'body');
      res.json(rules.test(body));
    },
  );

  return router;
}
