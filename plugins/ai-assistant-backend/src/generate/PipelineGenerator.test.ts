import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import type { Knex } from 'knex';
import { OpenAiFake } from '../testUtils';
import {
  ADA,
  BOB,
  DEPLOY_TOKEN,
  MALLORY,
  startPipelineGenerationBackend,
} from './__testUtils__/pipelineTestBackend';
import { readPipelineGenerationSettings } from './PipelineGenerator';
import { formatProblem, PIPELINE_WRITER_MARKER } from './pipelinePrompt';

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const VALID = `name: ci
on:
  push:
    branches: [main]
jobs:
  build:
    steps:
      - run: npm ci && npm run build
  test:
    needs: build
    steps:
      - run: npm test
`;

/** Valid YAML, but `test` needs a job the file does not have. */
const UNKNOWN_NEED = VALID.replace('needs: build', 'needs: compile');

const fenced = (yaml: string) =>
  `Here is your pipeline:\n\n\`\`\`yaml\n${yaml}\`\`\`\n\nIt builds and tests.`;

describe.each(databases.eachSupportedId())(
  'generating a pipeline with the model (%s)',
  databaseId => {
    let fake: OpenAiFake;
    let knex: Knex;
    let backend: Awaited<ReturnType<typeof startPipelineGenerationBackend>>;

    beforeAll(async () => {
      fake = await OpenAiFake.start();
      knex = await databases.init(databaseId);
      backend = await startPipelineGenerationBackend({
        knex,
        aiAssistant: {
          provider: {
            baseUrl: fake.url,
            apiKey: fake.apiKey,
            model: fake.model,
            maxRetries: 0,
          },
          rateLimit: { maxRequests: 1000 },
          generation: { maxRepairs: 2 },
        },
      });
    });

    afterAll(async () => {
      await backend.stop();
      await fake.close();
    });

    beforeEach(() => {
      fake.reset();
      backend.validatorCalls.length = 0;
      backend.audits.length = 0;
    });

    const usageRows = (user: string) =>
      knex('ai_assistant_usage').where({ user_ref: user }).select();

    it('returns the first answer when the validator accepts it, validated as the user', async () => {
      fake.reply({
        text: fenced(VALID),
        usage: { prompt_tokens: 900, completion_tokens: 80 },
      });
      const usageBefore = (await usageRows(ADA)).length;
      const res = await backend.generate(ADA, {
        description: 'Build and test with npm on every push to main',
        entityRef: 'component:default/payments-api',
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        path: '.comet/pipeline.yaml',
        content: VALID,
        valid: true,
        attempts: 1,
        problems: [],
        model: fake.model,
      });
      // The validator got exactly the extracted file, with Ada's own credentials
      expect(backend.validatorCalls).toEqual([
        { user: ADA, yaml: VALID, file: '.comet/pipeline.yaml' },
      ]);
      expect(fake.chatRequests).toHaveLength(1);
      const [system, user] = fake.chatRequests[0].messages;
      expect(system.content).toContain(PIPELINE_WRITER_MARKER);
      expect(JSON.parse(user.content)).toEqual({
        task: 'Write a new pipeline file as the description asks.',
        path: '.comet/pipeline.yaml',
        entityRef: 'component:default/payments-api',
        description: 'Build and test with npm on every push to main',
      });
      const usage = await usageRows(ADA);
      expect(usage).toHaveLength(usageBefore + 1);
      expect(Number(usage[usage.length - 1].total_tokens)).toBe(980);
      expect(backend.audits).toEqual([
        expect.objectContaining({
          eventId: 'generate-pipeline',
          outcome: 'success',
          meta: expect.objectContaining({
            path: '.comet/pipeline.yaml',
            valid: true,
            attempts: 1,
            problems: 0,
          }),
        }),
      ]);
    });

    it("sends the validator's problems back to the model and returns the repaired file", async () => {
      fake.reply({ text: fenced(UNKNOWN_NEED) }, { text: fenced(VALID) });
      const res = await backend.generate(ADA, {
        description: 'Build, then test',
        path: '.comet/ci.yaml',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        path: '.comet/ci.yaml',
        content: VALID,
        valid: true,
        attempts: 2,
        problems: [],
      });
      expect(backend.validatorCalls.map(c => c.yaml)).toEqual([
        UNKNOWN_NEED,
        VALID,
      ]);

      // The repair prompt carries the validator's own problem, with its line, column and field
      const parsed = parsePipeline(UNKNOWN_NEED, { file: '.comet/ci.yaml' });
      expect(parsed.ok).toBe(false);
      const issue = !parsed.ok ? parsed.issues[0] : undefined;
      expect(issue?.line).toBe(10);
      const repair = fake.chatRequests[1].messages;
      expect(repair).toHaveLength(4);
      expect(repair[2]).toEqual({
        role: 'assistant',
        content: fenced(UNKNOWN_NEED),
      });
      expect(repair[3].role).toBe('user');
      expect(repair[3].content).toContain(
        formatProblem('.comet/ci.yaml', {
          message: issue!.message,
          path: issue!.path,
          line: issue!.line,
          column: issue!.column,
        }),
      );
      expect(repair[3].content).toContain('.comet/ci.yaml:10:');
      expect(repair[3].content).toContain('compile');
    });

    it('gives up after the configured repairs and returns the last file with its problems', async () => {
      const noJobs = 'name: ci\non:\n  manual: {}\n';
      fake.reply(
        { text: fenced(UNKNOWN_NEED) },
        { text: fenced(UNKNOWN_NEED) },
        { text: noJobs },
      );
      const res = await backend.generate(ADA, { description: 'A pipeline' });
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(false);
      expect(res.body.attempts).toBe(3);
      // The last answer (unfenced) is what is returned, with what is still wrong with it
      expect(res.body.content).toBe(noJobs);
      expect(res.body.problems.length).toBeGreaterThan(0);
      expect(res.body.problems[0].message).toMatch(/jobs/);
      expect(fake.chatRequests).toHaveLength(3);
      expect(fake.pendingReplies).toBe(0);
      expect(backend.audits[0].meta).toMatchObject({
        valid: false,
        attempts: 3,
      });
    });

    it('asks again when an answer holds no file', async () => {
      fake.reply({ text: '   ' }, { text: fenced(VALID) });
      const res = await backend.generate(ADA, { description: 'A pipeline' });
      expect(res.body).toMatchObject({ valid: true, attempts: 2 });
      expect(backend.validatorCalls).toHaveLength(1);
      expect(fake.chatRequests[1].messages[3].content).toContain(
        'The model answered with no pipeline file at all',
      );
    });

    it('modifies the current file, masking secrets before they reach the model', async () => {
      fake.reply({ text: fenced(VALID) });
      const current = `name: ci\n# token: ${DEPLOY_TOKEN}\njobs:\n  build:\n    steps:\n      - run: make\n`;
      const res = await backend.generate(ADA, {
        description: `Add a test job; our deploy token is ${DEPLOY_TOKEN}`,
        currentContent: current,
      });
      expect(res.status).toBe(200);
      const prompt = JSON.stringify(fake.chatRequests[0]);
      expect(prompt).not.toContain(DEPLOY_TOKEN);
      const user = JSON.parse(fake.chatRequests[0].messages[1].content);
      expect(user.task).toBe(
        'Change the current pipeline file as the description asks.',
      );
      expect(user.currentFile).toContain('# token: [masked]');
      expect(user.description).toContain('[masked]');
      expect(JSON.stringify(backend.audits)).not.toContain(DEPLOY_TOKEN);
    });

    it('is the action ai-assistant:generate-pipeline, read-only, with the same result', async () => {
      const listed = await backend
        .http()
        .get('/api/ai-assistant/.backstage/actions/v1/actions')
        .set('authorization', backend.as(ADA));
      const action = listed.body.actions.find(
        (a: { id: string }) => a.id === 'ai-assistant:generate-pipeline',
      );
      expect(action.attributes).toEqual({
        readOnly: true,
        destructive: false,
        idempotent: false,
      });
      fake.reply({ text: fenced(VALID) });
      const invoked = await backend.invokeAction(ADA, {
        description: 'Build and test',
      });
      expect(invoked.status).toBe(200);
      expect(invoked.body.output).toMatchObject({
        content: VALID,
        valid: true,
        attempts: 1,
      });
      expect(backend.validatorCalls[0].user).toBe(ADA);
    });

    it('refuses a user without ai-assistant.chat.use, on the route and the action, before asking the model', async () => {
      const route = await backend.generate(MALLORY, { description: 'x' });
      expect(route.status).toBe(403);
      expect(route.body.error.message).toContain('ai-assistant.chat.use');
      const action = await backend.invokeAction(MALLORY, { description: 'x' });
      expect(action.status).toBe(403);
      expect(action.body.error.message).toContain('ai-assistant.chat.use');
      expect(fake.chatRequests).toHaveLength(0);
      expect(backend.validatorCalls).toHaveLength(0);
    });

    it("fails clearly when the validator refuses the user's credentials", async () => {
      fake.reply({ text: fenced(VALID) });
      const res = await backend.generate(BOB, { description: 'A pipeline' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(
        'pipelines:validate-pipeline answered 403',
      );
      expect(backend.validatorCalls).toEqual([
        expect.objectContaining({ user: BOB }),
      ]);
    });

    it('says which field of the request is wrong', async () => {
      const cases: Array<[object, string]> = [
        [{}, 'Invalid body field "description": description is required'],
        [{ description: '  ' }, 'description": must not be empty'],
        [
          { description: 'x', path: '../etc/pipeline.yaml' },
          'Invalid body field "path": must be a relative path',
        ],
        [{ description: 'x', path: '/abs.yaml' }, 'Invalid body field "path"'],
        [{ description: 'x', path: '.comet/p.txt' }, 'ending in .yaml'],
        [{ description: 'x', entityRef: 'payments' }, 'must be an entity ref'],
        [{ description: 'x', extra: 1 }, 'Unrecognized key'],
      ];
      for (const [body, message] of cases) {
        const res = await backend.generate(ADA, body);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(message);
      }
      const unauthenticated = await backend
        .http()
        .post('/api/ai-assistant/generate/pipeline')
        .set('authorization', mockCredentials.none.header())
        .send({ description: 'x' });
      expect(unauthenticated.status).toBe(401);
      expect(fake.chatRequests).toHaveLength(0);
    });

    it('says what the provider said when it refuses the key', async () => {
      fake.reply({ error: { status: 401, message: 'Incorrect API key' } });
      const res = await backend.generate(ADA, { description: 'A pipeline' });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain(
        'check aiAssistant.provider.apiKey',
      );
      expect(res.body.error.message).not.toContain(fake.apiKey);
    });

    it('passes on the provider rate limit as a 429 with Retry-After', async () => {
      fake.reply({
        error: { status: 429, message: 'Slow down', retryAfterSeconds: 7 },
      });
      const res = await backend.generate(ADA, { description: 'A pipeline' });
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.body.error.message).toContain('rate limiting');
    });

    it('says so when the stream is malformed', async () => {
      fake.reply({ text: 'name: ci\njobs: {}', malformedAfterChunks: 1 });
      const res = await backend.generate(ADA, { description: 'A pipeline' });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain('malformed chunk');
    });
  },
);

describe('generating a pipeline: configuration and limits', () => {
  let fake: OpenAiFake;

  beforeAll(async () => {
    fake = await OpenAiFake.start();
  });

  afterAll(async () => {
    await fake.close();
  });

  it('answers 503 naming the keys to set when no provider is configured', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startPipelineGenerationBackend({
      knex,
      aiAssistant: { provider: { baseUrl: fake.url } },
    });
    try {
      const res = await backend.generate(ADA, { description: 'A pipeline' });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain(
        'set aiAssistant.provider.apiKey, aiAssistant.provider.model in app-config',
      );
      expect(fake.chatRequests).toHaveLength(0);
    } finally {
      await backend.stop();
    }
  });

  it('counts one generation as one request against the rate limit', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startPipelineGenerationBackend({
      knex,
      aiAssistant: {
        provider: { baseUrl: fake.url, apiKey: fake.apiKey, model: fake.model },
        rateLimit: { maxRequests: 1, windowSeconds: 3600 },
      },
    });
    try {
      fake.reset();
      fake.reply({ text: fenced(UNKNOWN_NEED) }, { text: fenced(VALID) });
      const first = await backend.generate(ADA, { description: 'A pipeline' });
      expect(first.body).toMatchObject({ valid: true, attempts: 2 });
      const second = await backend.generate(ADA, { description: 'Again' });
      expect(second.status).toBe(429);
      expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
      expect(second.body.error.message).toContain('aiAssistant.rateLimit');
      expect(fake.chatRequests).toHaveLength(2);
    } finally {
      await backend.stop();
    }
  });

  it('says so when the pipelines plugin is not there to validate', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startPipelineGenerationBackend({
      knex,
      withoutPipelines: true,
      aiAssistant: {
        provider: { baseUrl: fake.url, apiKey: fake.apiKey, model: fake.model },
      },
    });
    try {
      fake.reset();
      fake.reply({ text: fenced(VALID) });
      const res = await backend.generate(ADA, { description: 'A pipeline' });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain(
        'The generated pipeline could not be validated: pipelines:validate-pipeline',
      );
      expect(res.body.error.message).toContain('backend.actions.pluginSources');
    } finally {
      await backend.stop();
    }
  });

  it("writes a valid pipeline with the demo model (the portal's demo mode)", async () => {
    const demo = await OpenAiFake.start({ mode: 'demo' });
    const knex = await databases.init('SQLITE_3');
    const backend = await startPipelineGenerationBackend({
      knex,
      aiAssistant: {
        provider: { baseUrl: demo.url, apiKey: demo.apiKey, model: demo.model },
      },
    });
    try {
      const created = await backend.generate(ADA, {
        description: 'Build and\ntest',
      });
      expect(created.body).toMatchObject({ valid: true, attempts: 1 });
      expect(created.body.content).toMatch(
        /^# Written by Comet's demo model \(no AI\) for: Build and test\nname: generated\n/,
      );
      const current = 'name: mine\njobs:\n  a:\n    steps:\n      - run: make';
      const modified = await backend.generate(ADA, {
        description: 'Keep it',
        currentContent: current,
      });
      expect(modified.body).toMatchObject({ valid: true, attempts: 1 });
      expect(modified.body.content).toContain(`${current}\n`);
    } finally {
      await backend.stop();
      await demo.close();
    }
  });

  it('reads aiAssistant.generation.maxRepairs, refusing a bad value by name', () => {
    expect(readPipelineGenerationSettings(new ConfigReader({}))).toEqual({
      maxRepairs: 3,
    });
    expect(
      readPipelineGenerationSettings(
        new ConfigReader({ aiAssistant: { generation: { maxRepairs: 0 } } }),
      ),
    ).toEqual({ maxRepairs: 0 });
    for (const bad of [-1, 11, 1.5]) {
      expect(() =>
        readPipelineGenerationSettings(
          new ConfigReader({
            aiAssistant: { generation: { maxRepairs: bad } },
          }),
        ),
      ).toThrow(
        `aiAssistant.generation.maxRepairs: ${bad} must be a whole number from 0 to 10`,
      );
    }
  });
});
