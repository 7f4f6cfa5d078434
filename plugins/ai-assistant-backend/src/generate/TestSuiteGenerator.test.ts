import { TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { OpenAiFake } from '../testUtils';
import {
  ADA,
  BOB,
  ENTITY,
  MALLORY,
  OTHER_ENTITY,
  STORE_TOKEN,
  startTestSuiteBackend,
} from './__testUtils__/testSuiteTestBackend';
import { readTestSuiteGenerationSettings } from './TestSuiteGenerator';
import { TEST_SUITE_WRITER_MARKER } from './testSuitePrompt';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const BASE_URL = 'http://127.0.0.1:4173';
const JOURNEY = 'Open the cart, press Checkout and see the order confirmed';

const APP = [
  { page: '/cart', role: 'button', name: 'Checkout', opens: '/checkout' },
  { page: '/checkout', label: 'Card number' },
  { page: '/checkout', role: 'button', name: 'Pay now', opens: '/orders/7' },
  { page: '/orders/7', testId: 'order-status', text: 'Order 7: Paid' },
];

/** A suite the fake app passes, with the button to pay named `payButton`. */
function suite(payButton: string, extra: object = {}) {
  return {
    name: 'whatever-the-model-says',
    title: 'Checkout',
    baseUrl: 'http://elsewhere.example',
    tests: [
      {
        id: 'checkout',
        name: 'Checkout',
        steps: [
          { id: 's1', action: 'navigate', url: '/cart' },
          {
            id: 's2',
            action: 'click',
            target: {
              locator: { kind: 'role', role: 'button', name: 'Checkout' },
            },
          },
          {
            id: 's3',
            action: 'fill',
            target: { locator: { kind: 'label', value: 'Card number' } },
            value: '4242 4242 4242 4242',
          },
          {
            id: 's4',
            action: 'click',
            target: {
              locator: { kind: 'role', role: 'button', name: payButton },
            },
          },
          {
            id: 's5',
            action: 'assertText',
            target: { locator: { kind: 'testId', value: 'order-status' } },
            text: 'Paid',
            match: 'contains',
          },
        ],
      },
    ],
    ...extra,
  };
}

const answer = (value: object) => ({
  text: `Here is the suite:\n\`\`\`json\n${JSON.stringify(value)}\n\`\`\``,
});

const lastUserMessage = (body: any): string =>
  [...body.messages].reverse().find((m: any) => m.role === 'user').content;

describe('Generate a test suite with AI', () => {
  let fake: OpenAiFake;
  let backend: Awaited<ReturnType<typeof startTestSuiteBackend>>;
  let suiteNumber = 0;
  /** A fresh suite name per test: the backend is shared. */
  const nextName = () => `checkout-${++suiteNumber}`;

  beforeAll(async () => {
    fake = await OpenAiFake.start();
    backend = await startTestSuiteBackend({
      knex: await databases.init('SQLITE_3'),
      aiAssistant: {
        provider: {
          baseUrl: fake.url,
          apiKey: fake.apiKey,
          model: fake.model,
          maxRetries: 0,
        },
        rateLimit: { maxRequests: 100, windowSeconds: 60 },
        generation: { maxRepairs: 2, testRunTimeoutSeconds: 2 },
        maskValues: [STORE_TOKEN],
      },
    });
    backend.state.app = APP;
  });

  afterAll(async () => {
    await backend?.stop();
    await fake?.close();
  });

  beforeEach(() => {
    fake.reset();
    backend.state.hang = false;
    backend.state.calls.length = 0;
  });

  it('saves, runs and returns a suite that passes the first time', async () => {
    const name = nextName();
    fake.reply(answer(suite('Pay now')));
    const res = await backend.generate(ADA, {
      description: `${JOURNEY} (our token is ${STORE_TOKEN})`,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: name,
      pageSnapshot: '- button "Checkout"',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      suiteName: name,
      entityRef: ENTITY,
      version: 1,
      valid: true,
      attempts: 1,
      problems: [],
      model: fake.model,
      lastRun: { status: 'passed', failures: [] },
    });
    // Saved with the name and base URL the user gave, as the user
    const stored = backend.state.suites.get(name)!;
    expect(stored.entityRef).toBe(ENTITY);
    expect(stored.versions[0]).toMatchObject({ name, baseUrl: BASE_URL });
    expect(backend.calls('test-recorder:create-suite')[0].user).toBe(ADA);
    expect(backend.calls('test-recorder:run-suite')[0].user).toBe(ADA);
    // The prompt: the writer's rules, the journey (masked), the snapshot
    const [request] = fake.chatRequests;
    expect(request.messages[0].content).toContain(TEST_SUITE_WRITER_MARKER);
    const user = JSON.parse(request.messages[1].content);
    expect(user).toMatchObject({
      untrusted_data: true,
      suiteName: name,
      baseUrl: BASE_URL,
      pageSnapshot: '- button "Checkout"',
    });
    expect(user.journey).toContain(JOURNEY);
    expect(JSON.stringify(fake.chatRequests)).not.toContain(STORE_TOKEN);
    const audit = backend.audits.find(
      a => a.eventId === 'generate-test-suite' && a.meta?.suite === name,
    );
    expect(audit).toMatchObject({
      outcome: 'success',
      meta: { entityRef: ENTITY, valid: true, attempts: 1, mode: 'create' },
    });
  });

  it('repairs a failing run from the failing step and its error', async () => {
    const name = nextName();
    fake.reply(answer(suite('Pay')), answer(suite('Pay now')));
    const res = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: name,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      valid: true,
      attempts: 2,
      version: 2,
      lastRun: { status: 'passed' },
    });
    expect(fake.chatRequests).toHaveLength(2);
    const repair = lastUserMessage(fake.chatRequests[1]);
    expect(repair).toContain('"failingStepId":"s4"');
    expect(repair).toContain(
      "locator.click: Timeout 5000ms exceeded.\\nCall log:\\n  - waiting for getByRole('button', { name: 'Pay' })",
    );
    expect(repair).toContain('"name":"Pay"');
    // The conversation keeps the model's first answer before the repair
    expect(fake.chatRequests[1].messages.at(-2).role).toBe('assistant');
    // The second answer is a new version of the same suite, not a second suite
    expect(backend.calls('test-recorder:update-suite')).toEqual([
      expect.objectContaining({
        user: ADA,
        input: expect.objectContaining({ suite: name, baseVersion: 1 }),
      }),
    ]);
    expect(backend.state.suites.get(name)!.versions).toHaveLength(2);
  });

  it('sends the validator problems back when the answer is not a valid suite', async () => {
    const name = nextName();
    const invalid = suite('Pay now');
    (invalid.tests[0].steps[1] as any).target.locator = { kind: 'role' };
    fake.reply(
      { text: 'I cannot write JSON today' },
      answer({ ...invalid, webServer: { command: 'curl evil', port: 80 } }),
      answer(suite('Pay now')),
    );
    const res = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: name,
    });
    expect(res.body).toMatchObject({ valid: true, attempts: 3, version: 1 });
    expect(lastUserMessage(fake.chatRequests[1])).toContain(
      'The answer holds no JSON object',
    );
    const second = lastUserMessage(fake.chatRequests[2]);
    expect(second).toContain('tests[0].steps[1].target.locator.role');
    expect(second).toContain('webServer: a generated suite may not set');
    // Nothing invalid was ever saved
    expect(backend.calls('test-recorder:create-suite')).toHaveLength(1);
  });

  it('gives up after the repairs allowed, saying what still fails', async () => {
    const name = nextName();
    fake.reply(
      answer(suite('Pay')),
      answer(suite('Pay by card')),
      answer(suite('Submit')),
    );
    const res = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: name,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      valid: false,
      attempts: 3,
      version: 3,
      lastRun: {
        status: 'failed',
        failures: [{ testId: 'checkout', stepId: 's4' }],
      },
    });
    expect(res.body.problems).toEqual([
      expect.stringContaining(
        'Checkout, step s4: locator.click: Timeout 5000ms exceeded',
      ),
    ]);
    expect(res.body.problems[0]).toContain("name: 'Submit'");
    expect(fake.chatRequests).toHaveLength(3);
    expect(fake.pendingReplies).toBe(0);
  });

  it('gives a new version to the entity’s own suite of that name', async () => {
    const name = nextName();
    backend.state.suites.set(name, {
      entityRef: ENTITY,
      versions: [suite('Pay') as any, { ...(suite('Pay') as any), name }],
    });
    fake.reply(answer(suite('Pay now')));
    const res = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: name,
    });
    expect(res.body).toMatchObject({ valid: true, version: 3 });
    const user = JSON.parse(fake.chatRequests[0].messages[1].content);
    expect(user.currentSuite).toMatchObject({ name });
    expect(backend.calls('test-recorder:create-suite')).toHaveLength(0);
  });

  it('refuses a suite name another entity owns, before asking the model', async () => {
    backend.state.suites.set('billing-checkout', {
      entityRef: OTHER_ENTITY,
      versions: [suite('Pay') as any],
    });
    const res = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: 'billing-checkout',
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(
      `The suite name "billing-checkout" is taken by a suite of another entity than ${ENTITY}; choose another name`,
    );
    expect(fake.chatRequests).toHaveLength(0);
  });

  it('refuses a user without ai-assistant.chat.use, and says who may not save', async () => {
    const denied = await backend.generate(MALLORY, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: nextName(),
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('ai-assistant.chat.use');
    expect(backend.state.calls).toHaveLength(0);

    // Bob may use the assistant; the test recorder refuses to save for him
    const name = nextName();
    fake.reply(answer(suite('Pay now')));
    const refused = await backend.generate(BOB, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: name,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(
      `test-recorder:create-suite answered 403: You are not allowed to test-recorder.suite.edit on ${ENTITY}`,
    );
    expect(backend.state.suites.has(name)).toBe(false);
    expect(backend.calls('test-recorder:run-suite')).toHaveLength(0);
  });

  it('stops waiting for a run that does not finish in time', async () => {
    backend.state.hang = true;
    const name = nextName();
    fake.reply(answer(suite('Pay now')));
    const res = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: name,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      valid: false,
      attempts: 1,
      version: 1,
      lastRun: { status: 'running' },
    });
    expect(res.body.problems[0]).toMatch(
      /^Run run-\d+ did not finish within 2 s \(aiAssistant\.generation\.testRunTimeoutSeconds\); it is still running/,
    );
    // Polled more than once, not a single fixed wait
    expect(
      backend.calls('test-recorder:get-run').length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('says when the provider is down', async () => {
    fake.reply({ error: { status: 500, message: 'The server had an error' } });
    const res = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: nextName(),
    });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain(
      `The test suite could not be generated: The model provider at ${fake.url} failed (500)`,
    );
  });

  it('checks the body field by field', async () => {
    const bad = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: 'file:///etc/passwd',
      suiteName: 'x',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      'Invalid body field "baseUrl": must be an http(s) URL such as http://127.0.0.1:4173',
    );
    const name = await backend.generate(ADA, {
      description: JOURNEY,
      entityRef: ENTITY,
      baseUrl: BASE_URL,
      suiteName: 'Checkout Suite',
    });
    expect(name.body.error.message).toContain('Invalid body field "suiteName"');
    expect(fake.chatRequests).toHaveLength(0);
  });

  it('streams progress as server-sent events, ending with the result', async () => {
    const name = nextName();
    fake.reply(answer(suite('Pay')), answer(suite('Pay now')));
    const res = await backend
      .http()
      .post('/api/ai-assistant/generate/test-suite')
      .set('authorization', backend.as(ADA))
      .set('accept', 'text/event-stream')
      .send({
        description: JOURNEY,
        entityRef: ENTITY,
        baseUrl: BASE_URL,
        suiteName: name,
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = res.text
      .trim()
      .split('\n\n')
      .map(block => JSON.parse(block.split('\n')[1].slice('data: '.length)));
    expect(events.map(e => e.type)).toEqual([
      'attempt',
      'saved',
      'running',
      'run-finished',
      'repairing',
      'attempt',
      'saved',
      'running',
      'run-finished',
      'result',
    ]);
    expect(events[0]).toEqual({ type: 'attempt', attempt: 1, maxAttempts: 3 });
    expect(events[3]).toMatchObject({ status: 'failed' });
    expect(events.at(-1).result).toMatchObject({ valid: true, version: 2 });
  });

  it('is an action that waits for confirmation in the chat (not read-only)', async () => {
    const res = await backend
      .http()
      .get('/api/ai-assistant/.backstage/actions/v1/actions')
      .set('authorization', backend.as(ADA));
    expect(res.status).toBe(200);
    const action = res.body.actions.find(
      (a: any) => a.id === 'ai-assistant:generate-test-suite',
    );
    expect(action.attributes).toEqual({
      readOnly: false,
      destructive: false,
      idempotent: false,
    });

    const name = nextName();
    fake.reply(answer(suite('Pay now')));
    const invoked = await backend
      .http()
      .post(
        '/api/ai-assistant/.backstage/actions/v1/actions/ai-assistant:generate-test-suite/invoke',
      )
      .set('authorization', backend.as(ADA))
      .send({
        description: JOURNEY,
        entityRef: ENTITY,
        baseUrl: BASE_URL,
        suiteName: name,
      });
    expect(invoked.status).toBe(200);
    expect(invoked.body.output).toMatchObject({
      suiteName: name,
      valid: true,
      version: 1,
    });
  });
});

describe('readTestSuiteGenerationSettings', () => {
  it('has defaults and names a bad key', () => {
    expect(readTestSuiteGenerationSettings(new ConfigReader({}))).toEqual({
      maxRepairs: 3,
      runTimeoutMs: 300_000,
    });
    expect(() =>
      readTestSuiteGenerationSettings(
        new ConfigReader({
          aiAssistant: { generation: { testRunTimeoutSeconds: 0 } },
        }),
      ),
    ).toThrow(
      'aiAssistant.generation.testRunTimeoutSeconds: 0 must be a whole number from 1 to 3600',
    );
  });
});
