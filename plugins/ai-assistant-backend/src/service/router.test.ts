import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type {
  AiConversation,
  AiPendingConfirmation,
  AiToolActivity,
} from '@internal/plugin-ai-assistant-common';
import type { Knex } from 'knex';
import {
  ADA,
  ADMIN,
  BOB,
  CAROL,
  eventsOf,
  GITHUB_TOKEN,
  JIRA_TOKEN,
  MALLORY,
  revoked,
  startAssistantBackend,
} from '../__testUtils__/assistantTestBackend';
import { OpenAiFake } from '../testUtils';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('the AI assistant, through HTTP, with the real actions registry', () => {
  let fake: OpenAiFake;
  let knex: Knex;
  let assistant: Awaited<ReturnType<typeof startAssistantBackend>>;

  beforeAll(async () => {
    fake = await OpenAiFake.start();
    knex = await databases.init('SQLITE_3');
    assistant = await startAssistantBackend({
      knex,
      aiAssistant: {
        provider: {
          baseUrl: fake.url,
          apiKey: fake.apiKey,
          model: fake.model,
          maxRetries: 0,
        },
        maxToolCallsPerTurn: 3,
        rateLimit: { maxRequests: 1000 },
        maskValues: ['ada-personal-passphrase'],
      },
    });
  });

  afterAll(async () => {
    await assistant.stop();
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
    assistant.invocations.length = 0;
    assistant.audits.length = 0;
    assistant.metrics.length = 0;
  });

  const toolNames = (n: number) =>
    (fake.chatRequests[n].tools ?? []).map((t: any) => t.function.name).sort();

  it('says it is configured, with the model and the cap', async () => {
    const res = await assistant
      .http()
      .get('/api/ai-assistant/config')
      .set('authorization', assistant.as(ADA));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      configured: true,
      model: fake.model,
      maxToolCallsPerTurn: 3,
    });
  });

  it('offers each user the actions the registry lists for their credentials, destructive ones never', async () => {
    fake.reply({ text: 'Hello Ada.' }, { text: 'Hello Bob.' });
    const adaChat = await assistant.newConversation(ADA);
    const bobChat = await assistant.newConversation(BOB);

    const ada = await assistant.send(ADA, adaChat, 'What can you do?');
    const bob = await assistant.send(BOB, bobChat, 'What can you do?');

    expect(ada.status).toBe(200);
    expect(ada.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(ada.headers['cache-control']).toBe('no-cache, no-transform');
    expect(toolNames(0)).toEqual([
      'jira__create-issue',
      'jira__get-issue',
      'pipelines__get-run-logs',
    ]);
    // Bob may not read run logs: the registry does not list the action for him
    expect(toolNames(1)).toEqual(['jira__create-issue', 'jira__get-issue']);
    expect(
      eventsOf(bob.events, 'delta')
        .map(e => e.text)
        .join(''),
    ).toBe('Hello Bob.');
    expect(bob.events[bob.events.length - 1]).toEqual({
      type: 'done',
      outcome: 'completed',
    });
  });

  it('never runs an action that was not offered, even when the model names it', async () => {
    fake.reply(
      {
        toolCalls: [
          {
            id: 'call_logs',
            name: 'pipelines__get-run-logs',
            arguments: { runId: 'r1' },
          },
        ],
      },
      { text: 'I cannot read that log.' },
    );
    const chat = await assistant.newConversation(BOB);
    const res = await assistant.send(BOB, chat, 'Show me the log of run r1');

    expect(assistant.invocations).toEqual([]);
    const [activity] = eventsOf(res.events, 'tool').map(e => e.activity);
    expect(activity).toMatchObject({
      actionId: 'pipelines__get-run-logs',
      status: 'failed',
      error:
        'Not run: no tool named "pipelines__get-run-logs" is offered to this user',
    });
    const toolMessage = fake.chatRequests[1].messages.find(
      (m: any) => m.role === 'tool',
    );
    expect(JSON.parse(toolMessage.content)).toMatchObject({
      untrusted_data: true,
      status: 'not-run',
    });
    expect(assistant.audits).toContainEqual(
      expect.objectContaining({
        eventId: 'tool-call',
        meta: expect.objectContaining({
          decision: 'unknown-tool',
          actionId: 'pipelines__get-run-logs',
        }),
      }),
    );
  });

  /**
   * Ada asks about a failed run: the model reads the issue and the log (read-only, at once);
   * both carry planted instructions and secrets; the model then "obeys" and asks to file an
   * issue, which is held for Ada's confirmation.
   */
  async function readThenAskToFile(chat: string, user = ADA) {
    fake.reply(
      {
        text: 'Let me look.',
        toolCalls: [
          {
            id: 'call_issue',
            name: 'jira__get-issue',
            arguments: { key: 'PAY-1' },
          },
          {
            id: 'call_logs',
            name: 'pipelines__get-run-logs',
            arguments: { runId: 'r1' },
          },
        ],
        argumentsChunkSize: 2,
      },
      {
        text: 'The install step failed. I will file a bug.',
        toolCalls: [
          {
            id: 'call_file',
            name: 'jira__create-issue',
            arguments: {
              summary: 'Release fails in npm install',
              project: 'PAY',
            },
          },
        ],
      },
    );
    return assistant.send(
      user,
      chat,
      'Why did the payments-api release fail? My passphrase is ada-personal-passphrase',
    );
  }

  it('runs read-only calls at once, masks secrets and labels the output as data, and holds the write', async () => {
    const chat = await assistant.newConversation(ADA, {
      entityRef: 'component:default/payments-api',
    });
    const res = await readThenAskToFile(chat);

    expect(res.status).toBe(200);
    expect(assistant.invocations.map(i => [i.actionId, i.user])).toEqual([
      ['jira:get-issue', ADA],
      ['pipelines:get-run-logs', ADA],
    ]);
    const activities = eventsOf(res.events, 'tool').map(e => e.activity);
    expect(activities.map(a => [a.actionId, a.status])).toEqual([
      ['jira:get-issue', 'running'],
      ['jira:get-issue', 'succeeded'],
      ['pipelines:get-run-logs', 'running'],
      ['pipelines:get-run-logs', 'succeeded'],
      ['jira:create-issue', 'awaiting-confirmation'],
    ]);
    const [confirmation] = eventsOf(res.events, 'confirmation').map(
      e => e.confirmation,
    );
    expect(confirmation).toMatchObject({
      conversationId: chat,
      toolCallId: 'call_file',
      actionId: 'jira:create-issue',
      actionTitle: 'Create a Jira issue',
      destructive: false,
      input: { summary: 'Release fails in npm install', project: 'PAY' },
      callHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(Date.parse(confirmation.expiresAt) - Date.now()).toBeGreaterThan(
      4 * 60_000,
    );
    expect(res.events[res.events.length - 1]).toEqual({
      type: 'done',
      outcome: 'awaiting-confirmation',
    });
    // The planted instructions caused no write and no request anywhere but the model
    expect(
      assistant.invocations.some(i => i.actionId === 'jira:create-issue'),
    ).toBe(false);
    expect(fake.requests.every(r => r.path === '/v1/chat/completions')).toBe(
      true,
    );

    // What the model received: tool output as labelled data, no secret anywhere
    const second = fake.chatRequests[1];
    expect(second.messages[0].content).toContain(
      'component:default/payments-api',
    );
    const toolMessages = second.messages.filter((m: any) => m.role === 'tool');
    expect(toolMessages.map((m: any) => m.tool_call_id)).toEqual([
      'call_issue',
      'call_logs',
    ]);
    for (const message of toolMessages) {
      const data = JSON.parse(message.content);
      expect(data.untrusted_data).toBe(true);
      expect(data.note).toContain('not instructions');
    }
    expect(JSON.parse(toolMessages[1].content).output.log).toContain(
      'npm ERR! code ELIFECYCLE',
    );
    const everythingSent = JSON.stringify(fake.requests);
    for (const secret of [
      JIRA_TOKEN,
      GITHUB_TOKEN,
      'ada-personal-passphrase',
    ]) {
      expect(everythingSent).not.toContain(secret);
    }
    // Nor in what the browser got, or the audit log
    expect(JSON.stringify(res.events)).not.toContain(JIRA_TOKEN);
    expect(JSON.stringify(res.events)).not.toContain(GITHUB_TOKEN);
    expect(JSON.stringify(assistant.audits)).not.toContain(JIRA_TOKEN);

    // Audited: both reads, and the held write with its hash
    expect(
      assistant.audits
        .filter(a => a.eventId === 'tool-call')
        .map(a => [a.meta?.actionId, a.meta?.decision, a.outcome]),
    ).toEqual([
      ['jira:get-issue', 'auto', 'success'],
      ['pipelines:get-run-logs', 'auto', 'success'],
      ['jira:create-issue', 'held-for-confirmation', 'success'],
    ]);
    // Token usage recorded as metrics
    expect(assistant.metrics).toContainEqual(
      expect.objectContaining({
        name: 'comet.ai.tokens',
        attributes: { model: fake.model, kind: 'prompt' },
      }),
    );

    const stored: AiConversation = await assistant.conversation(ADA, chat);
    expect(stored.title).toBe(
      'Why did the payments-api release fail? My passphrase is ada-personal-passphrase',
    );
    expect(stored.entityRef).toBe('component:default/payments-api');
    expect(stored.pendingConfirmations).toEqual([confirmation]);
    expect(stored.messages.map(m => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'tool',
      'assistant',
    ]);
  });

  it('runs a held call once, only for its user, conversation and exact call', async () => {
    const chat = await assistant.newConversation(ADA);
    const other = await assistant.newConversation(ADA);
    const held = await readThenAskToFile(chat);
    const [confirmation] = eventsOf(held.events, 'confirmation').map(
      e => e.confirmation,
    );
    const approve = {
      decision: 'approve' as const,
      conversationId: chat,
      callHash: confirmation.callHash,
    };
    assistant.invocations.length = 0;

    const byBob = await assistant.decide(
      BOB,
      confirmation.confirmationId,
      approve,
    );
    expect(byBob.status).toBe(404);
    expect(byBob.body.error.message).toBe(
      `No confirmation ${confirmation.confirmationId} is waiting for you`,
    );

    const elsewhere = await assistant.decide(ADA, confirmation.confirmationId, {
      ...approve,
      conversationId: other,
    });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.message).toContain(
      'belongs to another conversation',
    );

    const otherCall = await assistant.decide(ADA, confirmation.confirmationId, {
      ...approve,
      callHash: 'f'.repeat(64),
    });
    expect(otherCall.status).toBe(409);
    expect(otherCall.body.error.message).toContain('is not the call waiting');
    expect(assistant.invocations).toEqual([]);

    fake.reply({ text: 'Filed PAY-101.' });
    const approved = await assistant.decide(
      ADA,
      confirmation.confirmationId,
      approve,
    );
    expect(approved.status).toBe(200);
    expect(assistant.invocations).toEqual([
      {
        actionId: 'jira:create-issue',
        user: ADA,
        input: { summary: 'Release fails in npm install', project: 'PAY' },
      },
    ]);
    expect(
      eventsOf(approved.events, 'tool').map(e => [
        e.activity.status,
        e.activity.output,
      ]),
    ).toEqual([
      ['running', undefined],
      ['succeeded', { key: 'PAY-101' }],
    ]);
    expect(
      eventsOf(approved.events, 'delta')
        .map(e => e.text)
        .join(''),
    ).toBe('Filed PAY-101.');
    expect(approved.events[approved.events.length - 1]).toEqual({
      type: 'done',
      outcome: 'completed',
    });
    // The model saw the result of the call it asked for, right after its request
    const last = fake.chatRequests[fake.chatRequests.length - 1].messages;
    expect(last[last.length - 1]).toMatchObject({
      role: 'tool',
      tool_call_id: 'call_file',
    });

    const replay = await assistant.decide(
      ADA,
      confirmation.confirmationId,
      approve,
    );
    expect(replay.status).toBe(409);
    expect(replay.body.error.message).toContain(
      'was already used (approved); a confirmation is used once',
    );
    expect(assistant.invocations).toHaveLength(1);

    expect(
      assistant.audits
        .filter(
          a =>
            a.eventId === 'tool-confirmation' ||
            a.meta?.decision === 'approved',
        )
        .map(a => [a.eventId, a.meta?.decision, a.meta?.callHash]),
    ).toEqual([
      ['tool-confirmation', 'approve', confirmation.callHash],
      ['tool-call', 'approved', confirmation.callHash],
    ]);
    expect(
      (await assistant.conversation(ADA, chat)).pendingConfirmations,
    ).toEqual([]);
  });

  it('drops a rejected call, and tells the model it was not made', async () => {
    const chat = await assistant.newConversation(ADA);
    const held = await readThenAskToFile(chat);
    const [confirmation] = eventsOf(held.events, 'confirmation').map(
      e => e.confirmation,
    );
    fake.reply({ text: 'Understood, I did not file it.' });

    const rejected = await assistant.decide(ADA, confirmation.confirmationId, {
      decision: 'reject',
      conversationId: chat,
      callHash: confirmation.callHash,
    });

    expect(rejected.status).toBe(200);
    expect(
      assistant.invocations.some(i => i.actionId === 'jira:create-issue'),
    ).toBe(false);
    expect(
      eventsOf(rejected.events, 'tool').map(e => e.activity.status),
    ).toEqual(['rejected']);
    const last = fake.chatRequests[fake.chatRequests.length - 1].messages;
    expect(JSON.parse(last[last.length - 1].content)).toMatchObject({
      status: 'not-run',
      reason: 'The user declined this call; it was not made.',
    });
  });

  it('refuses an expired confirmation and records that the call was not made', async () => {
    const chat = await assistant.newConversation(ADA);
    const held = await readThenAskToFile(chat);
    const [confirmation] = eventsOf(held.events, 'confirmation').map(
      e => e.confirmation,
    );
    // Five minutes pass
    await knex('ai_assistant_confirmations')
      .where({ confirmation_id: confirmation.confirmationId })
      .update({ expires_at: new Date(Date.now() - 1000) });

    const late = await assistant.decide(ADA, confirmation.confirmationId, {
      decision: 'approve',
      conversationId: chat,
      callHash: confirmation.callHash,
    });

    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(
      /expired at .* \(a call waits 5 minutes\); nothing was run/,
    );
    expect(
      assistant.invocations.some(i => i.actionId === 'jira:create-issue'),
    ).toBe(false);
    const stored: AiConversation = await assistant.conversation(ADA, chat);
    const lastTool = stored.messages.filter(m => m.role === 'tool').pop()!;
    expect(lastTool.activity).toMatchObject({
      actionId: 'jira:create-issue',
      status: 'expired',
    });
    expect(stored.pendingConfirmations).toEqual([]);
    // The conversation goes on: the next request is valid for the API
    fake.reply({ text: 'OK.' });
    const next = await assistant.send(ADA, chat, 'Never mind.');
    expect(next.events[next.events.length - 1]).toEqual({
      type: 'done',
      outcome: 'completed',
    });
  });

  it('drops a held call the user did not decide before writing again', async () => {
    const chat = await assistant.newConversation(ADA);
    await readThenAskToFile(chat);
    fake.reply({ text: 'Fine, something else then.' });

    const next = await assistant.send(
      ADA,
      chat,
      'Actually, do not file anything.',
    );

    const activity = eventsOf(next.events, 'tool').map(e => e.activity);
    expect(activity).toEqual([
      expect.objectContaining({
        actionId: 'jira:create-issue',
        status: 'skipped',
      }),
    ]);
    const sent = fake.chatRequests[fake.chatRequests.length - 1].messages;
    const roles = sent.map((m: any) => m.role);
    expect(roles.slice(-3)).toEqual(['assistant', 'tool', 'user']);
    expect(
      assistant.invocations.some(i => i.actionId === 'jira:create-issue'),
    ).toBe(false);
    expect(assistant.audits).toContainEqual(
      expect.objectContaining({
        eventId: 'tool-confirmation',
        meta: expect.objectContaining({ decision: 'superseded' }),
      }),
    );
  });

  it('checks permissions again with the confirming request: a user without the right gets a refusal', async () => {
    const chat = await assistant.newConversation(CAROL);
    fake.reply({
      toolCalls: [
        {
          id: 'call_c',
          name: 'jira__create-issue',
          arguments: { summary: 'x', project: 'PAY' },
        },
      ],
    });
    const held = await assistant.send(CAROL, chat, 'File a bug');
    const [confirmation] = eventsOf(held.events, 'confirmation').map(
      e => e.confirmation,
    );
    fake.reply({ text: 'You may not create issues in PAY.' });

    const approved = await assistant.decide(
      CAROL,
      confirmation.confirmationId,
      {
        decision: 'approve',
        conversationId: chat,
        callHash: confirmation.callHash,
      },
    );

    const done = eventsOf(approved.events, 'tool').pop()!.activity;
    expect(done.status).toBe('failed');
    expect(done.error).toContain(
      'You may not create issues in PAY (jira.issue.create)',
    );
    expect(assistant.invocations).toEqual([]);
    expect(
      assistant.audits.find(
        a => a.eventId === 'tool-call' && a.meta?.decision === 'approved',
      )?.outcome,
    ).toBe('fail');
  });

  it('caps tool calls per turn and then asks the model to answer without tools', async () => {
    const chat = await assistant.newConversation(ADA);
    fake.reply(
      {
        toolCalls: ['PAY-1', 'PAY-2', 'PAY-3', 'PAY-4'].map((key, i) => ({
          id: `call_${i}`,
          name: 'jira__get-issue',
          arguments: { key },
        })),
      },
      { text: 'Here is what I found in three issues.' },
    );

    const res = await assistant.send(ADA, chat, 'Read PAY-1 to PAY-4');

    expect(assistant.invocations.map(i => (i.input as any).key)).toEqual([
      'PAY-1',
      'PAY-2',
      'PAY-3',
    ]);
    const last = eventsOf(res.events, 'tool').pop()!.activity as AiToolActivity;
    expect(last).toMatchObject({
      status: 'skipped',
      error:
        'Not run: a turn may make 3 tool calls (aiAssistant.maxToolCallsPerTurn)',
    });
    expect(fake.chatRequests[1].tools).toBeUndefined();
    expect(res.events[res.events.length - 1]).toEqual({
      type: 'done',
      outcome: 'completed',
    });
  });

  it('gives arguments the model got wrong back to it as a failed call', async () => {
    const chat = await assistant.newConversation(ADA);
    fake.reply(
      {
        toolCalls: [
          {
            id: 'call_bad_json',
            name: 'jira__get-issue',
            arguments: '{"key": "PAY-1"',
          },
          {
            id: 'call_not_object',
            name: 'jira__get-issue',
            arguments: '["PAY-1"]',
          },
          {
            id: 'call_bad_input',
            name: 'jira__get-issue',
            arguments: { key: 'not a key' },
          },
        ],
      },
      { text: 'Sorry, let me fix that.' },
    );

    const res = await assistant.send(ADA, chat, 'Read PAY-1');

    const finished = eventsOf(res.events, 'tool')
      .map(e => e.activity)
      .filter(a => a.status !== 'running');
    expect(finished.map(a => a.status)).toEqual(['failed', 'failed', 'failed']);
    expect(finished[0].error).toMatch(
      /^Not run: the arguments are not valid JSON/,
    );
    expect(finished[1].error).toBe(
      'Not run: the arguments are JSON but not an object',
    );
    expect(finished[2].error).toContain(
      'Invalid input to action "jira:get-issue"',
    );
    expect(assistant.invocations).toEqual([]);
    expect(res.events[res.events.length - 1]).toEqual({
      type: 'done',
      outcome: 'completed',
    });
  });

  it('refuses, at confirmation, a call whose action the user lost meanwhile', async () => {
    const chat = await assistant.newConversation(ADA);
    const held = await readThenAskToFile(chat);
    const [confirmation] = eventsOf(held.events, 'confirmation').map(
      e => e.confirmation,
    );
    revoked.add(`${ADA} jira.issue.file`);
    try {
      fake.reply({ text: 'It could not be filed.' });
      const approved = await assistant.decide(
        ADA,
        confirmation.confirmationId,
        {
          decision: 'approve',
          conversationId: chat,
          callHash: confirmation.callHash,
        },
      );
      expect(approved.status).toBe(200);
      expect(eventsOf(approved.events, 'tool').map(e => e.activity)).toEqual([
        expect.objectContaining({
          status: 'failed',
          error:
            'jira:create-issue is no longer offered to you; nothing was run',
        }),
      ]);
      expect(
        assistant.invocations.some(i => i.actionId === 'jira:create-issue'),
      ).toBe(false);
      // The model is no longer offered the tool either
      expect(toolNames(fake.chatRequests.length - 1)).not.toContain(
        'jira__create-issue',
      );
    } finally {
      revoked.clear();
    }
  });

  it('takes one decision when two arrive at once', async () => {
    const chat = await assistant.newConversation(ADA);
    const held = await readThenAskToFile(chat);
    const [confirmation] = eventsOf(held.events, 'confirmation').map(
      e => e.confirmation,
    );
    fake.reply({ text: 'Filed.' }, { text: 'Filed again?' });
    const body = {
      decision: 'approve' as const,
      conversationId: chat,
      callHash: confirmation.callHash,
    };

    const results = await Promise.all([
      assistant.decide(ADA, confirmation.confirmationId, body),
      assistant.decide(ADA, confirmation.confirmationId, body),
    ]);

    expect(results.map(r => r.status).sort()).toEqual([200, 409]);
    expect(
      assistant.invocations.filter(i => i.actionId === 'jira:create-issue'),
    ).toHaveLength(1);
  });

  it('waits for every held call of one answer before the model goes on', async () => {
    const chat = await assistant.newConversation(ADA);
    fake.reply({
      toolCalls: [
        {
          id: 'call_1',
          name: 'jira__create-issue',
          arguments: { project: 'PAY', summary: 'one' },
        },
        {
          id: 'call_2',
          name: 'jira__create-issue',
          arguments: { project: 'PAY', summary: 'two' },
        },
      ],
    });
    const held = await assistant.send(ADA, chat, 'File two bugs');
    const [first, second] = eventsOf(held.events, 'confirmation').map(
      e => e.confirmation,
    );
    const decide = (c: AiPendingConfirmation, decision: 'approve' | 'reject') =>
      assistant.decide(ADA, c.confirmationId, {
        decision,
        conversationId: chat,
        callHash: c.callHash,
      });
    const requestsBefore = fake.chatRequests.length;

    const afterFirst = await decide(first, 'approve');
    expect(afterFirst.events.pop()).toEqual({
      type: 'done',
      outcome: 'awaiting-confirmation',
    });
    expect(fake.chatRequests).toHaveLength(requestsBefore);

    fake.reply({ text: 'Filed one of two.' });
    const afterSecond = await decide(second, 'reject');
    expect(afterSecond.events.pop()).toEqual({
      type: 'done',
      outcome: 'completed',
    });
    const sent = fake.chatRequests[fake.chatRequests.length - 1].messages;
    expect(sent.slice(-2).map((m: any) => [m.role, m.tool_call_id])).toEqual([
      ['tool', 'call_1'],
      ['tool', 'call_2'],
    ]);
    expect(assistant.invocations.map(i => (i.input as any).summary)).toEqual([
      'one',
    ]);
  });

  it('cuts a long tool output to aiAssistant.maxToolOutputChars, saying so', async () => {
    const chat = await assistant.newConversation(ADA);
    fake.reply(
      {
        toolCalls: [
          {
            id: 'call_big',
            name: 'pipelines__get-run-logs',
            arguments: { runId: 'r1', padLines: 2000 },
          },
        ],
      },
      { text: 'That is a long log.' },
    );
    await assistant.send(ADA, chat, 'Show me the whole log');

    const tool = fake.chatRequests[1].messages.find(
      (m: any) => m.role === 'tool',
    );
    const data = JSON.parse(tool.content);
    expect(data.output).toMatch(
      /… \[cut: the output was \d+ characters; only the first 20000 are shown \(aiAssistant.maxToolOutputChars\)\]$/,
    );
    expect(tool.content.length).toBeLessThan(22_000);
  });

  it('says in the chat when the database fails during an answer, and frees the conversation', async () => {
    const chat = await assistant.newConversation(ADA);
    let release!: () => void;
    fake.reply(
      { text: 'An answer', holdUntil: new Promise<void>(r => (release = r)) },
      { text: 'Back.' },
    );
    const pending = assistant.send(ADA, chat, 'Hello');
    while (fake.chatRequests.length === 0)
      await new Promise(r => setImmediate(r));
    await knex.schema.renameTable(
      'ai_assistant_messages',
      'ai_assistant_messages_away',
    );
    let res;
    try {
      release();
      res = await pending;
    } finally {
      await knex.schema.renameTable(
        'ai_assistant_messages_away',
        'ai_assistant_messages',
      );
    }
    expect(eventsOf(res.events, 'error').map(e => e.message)).toEqual([
      expect.stringMatching(
        /^The assistant failed unexpectedly \(.*\); what was written so far is kept\. Try again\.$/,
      ),
    ]);
    expect(res.events.pop()).toEqual({ type: 'done', outcome: 'failed' });
    const next = await assistant.send(ADA, chat, 'Again');
    expect(next.events.pop()).toEqual({ type: 'done', outcome: 'completed' });
  });

  describe('when the provider fails, the chat says why and nothing is lost', () => {
    it('401: names the key to check', async () => {
      const chat = await assistant.newConversation(ADA);
      fake.reply({
        error: { status: 401, message: 'Incorrect API key provided.' },
      });
      const res = await assistant.send(ADA, chat, 'Hello?');

      expect(res.status).toBe(200);
      expect(eventsOf(res.events, 'error')).toEqual([
        {
          type: 'error',
          message: `The model provider at ${fake.url} refused the API key (401): check aiAssistant.provider.apiKey`,
        },
      ]);
      expect(res.events[res.events.length - 1]).toEqual({
        type: 'done',
        outcome: 'failed',
      });
      const stored: AiConversation = await assistant.conversation(ADA, chat);
      expect(stored.messages.map(m => [m.role, m.content])).toEqual([
        ['user', 'Hello?'],
        ['notice', eventsOf(res.events, 'error')[0].message],
      ]);
    });

    it('a malformed chunk: keeps what was written', async () => {
      const chat = await assistant.newConversation(ADA);
      fake.reply({
        text: 'The build failed because',
        chunkSize: 8,
        malformedAfterChunks: 3,
      });
      const res = await assistant.send(ADA, chat, 'Why?');

      expect(eventsOf(res.events, 'error')[0].message).toContain(
        'sent a malformed chunk',
      );
      const stored: AiConversation = await assistant.conversation(ADA, chat);
      expect(stored.messages.map(m => m.role)).toEqual([
        'user',
        'assistant',
        'notice',
      ]);
      // The role chunk, then two text chunks arrived before the broken one
      expect(stored.messages[1].content).toBe('The build failed');
    });

    it('a stream cut short: keeps what was written, and the next turn goes on', async () => {
      const chat = await assistant.newConversation(ADA);
      fake.reply(
        { text: 'Partial', chunkSize: 3, cutShort: { afterChunks: 2 } },
        { text: 'Complete answer.' },
      );
      const cut = await assistant.send(ADA, chat, 'Why?');
      expect(eventsOf(cut.events, 'error')[0].message).toContain(
        'closed the stream before the answer was finished',
      );

      const again = await assistant.send(ADA, chat, 'Try again');
      expect(again.events[again.events.length - 1]).toEqual({
        type: 'done',
        outcome: 'completed',
      });
      const sent = fake.chatRequests[1].messages.map((m: any) => [
        m.role,
        m.content,
      ]);
      expect(sent.slice(1)).toEqual([
        ['user', 'Why?'],
        ['assistant', 'Par'],
        ['user', 'Try again'],
      ]);
    });

    it('429: says when to try again', async () => {
      const chat = await assistant.newConversation(ADA);
      fake.reply({ error: { status: 429, retryAfterSeconds: 30 } });
      const res = await assistant.send(ADA, chat, 'Hello?');
      expect(eventsOf(res.events, 'error')[0].message).toContain(
        'is rate limiting requests (429); try again in 30 s',
      );
    });
  });

  it('answers one turn at a time per conversation', async () => {
    const chat = await assistant.newConversation(ADA);
    let release!: () => void;
    fake.reply({
      text: 'A slow answer that takes a while',
      holdUntil: new Promise<void>(r => (release = r)),
    });
    const first = assistant.send(ADA, chat, 'First');
    // Wait until the first answer is streaming (the model has the request)
    while (fake.chatRequests.length === 0)
      await new Promise(r => setImmediate(r));

    const second = await assistant.send(ADA, chat, 'Second');
    expect(second.status).toBe(409);
    expect(second.body.error.message).toBe(
      `An answer is still being written in conversation ${chat}; wait for it to finish`,
    );
    release();
    expect((await first).events.pop()).toEqual({
      type: 'done',
      outcome: 'completed',
    });
  });

  it('says which conversation and which field are wrong', async () => {
    const chat = await assistant.newConversation(ADA);
    const post = (path: string, body: object) =>
      assistant
        .http()
        .post(`/api/ai-assistant${path}`)
        .set('authorization', assistant.as(ADA))
        .send(body);

    const notUuid = await post('/conversations/123/messages', {
      content: 'hi',
    });
    expect(notUuid.status).toBe(400);
    expect(notUuid.body.error.message).toBe(
      'Invalid path field "conversationId": conversationId must be a UUID',
    );
    const empty = await post(`/conversations/${chat}/messages`, {
      content: '  ',
    });
    expect(empty.body.error.message).toBe(
      'Invalid body field "content": must not be empty',
    );
    const extra = await post(`/conversations/${chat}/messages`, {
      content: 'hi',
      role: 'system',
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toContain('Invalid body');
    const tooLong = await post(`/conversations/${chat}/messages`, {
      content: 'x'.repeat(20_001),
    });
    expect(tooLong.body.error.message).toBe(
      'Invalid body field "content": must be at most 20000 characters',
    );
    const badDecision = await post(`/confirmations/${chat}`, {
      decision: 'maybe',
      conversationId: chat,
      callHash: 'a'.repeat(64),
    });
    expect(badDecision.body.error.message).toBe(
      'Invalid body field "decision": must be "approve" or "reject"',
    );
    const badHash = await post(`/confirmations/${chat}`, {
      decision: 'approve',
      conversationId: chat,
      callHash: 'xyz',
    });
    expect(badHash.body.error.message).toBe(
      'Invalid body field "callHash": must be the sha256 hex the confirmation gave',
    );
    const badEntity = await post('/conversations', {
      entityRef: 'payments-api',
    });
    expect(badEntity.body.error.message).toBe(
      'Invalid body field "entityRef": must be an entity ref such as component:default/payments-api',
    );
    const unknown = await post(
      '/conversations/6f1c4bd4-8a7e-4c86-9d0b-3c1c2b6f0a11/messages',
      { content: 'hi' },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe(
      'You have no conversation 6f1c4bd4-8a7e-4c86-9d0b-3c1c2b6f0a11',
    );
  });

  it('keeps conversations to their user: list, search, rename, delete', async () => {
    const user = 'user:default/dora';
    fake.reply({ text: 'The gate failed on coverage.' });
    const chat = await assistant.newConversation(user);
    await assistant.send(user, chat, 'Why did the quality gate fail?');
    const second = await assistant.newConversation(user, {
      title: 'Another topic',
    });
    const get = (path: string, who = user) =>
      assistant
        .http()
        .get(`/api/ai-assistant${path}`)
        .set('authorization', assistant.as(who));

    const list = await get('/conversations');
    expect(list.body.totalCount).toBe(2);
    expect(list.body.items.map((c: any) => [c.title, c.messageCount])).toEqual([
      ['Another topic', 0],
      ['Why did the quality gate fail?', 2],
    ]);
    const search = await get('/conversations?q=COVERAGE');
    expect(search.body.items.map((c: any) => c.conversationId)).toEqual([chat]);
    expect(
      (await get('/conversations?limit=1&offset=1')).body.items,
    ).toHaveLength(1);
    expect((await get('/conversations?limit=0')).status).toBe(400);

    expect((await get(`/conversations/${chat}`, BOB)).status).toBe(404);
    expect(
      (await get('/conversations', BOB)).body.items.map(
        (c: any) => c.conversationId,
      ),
    ).not.toContain(chat);

    const renamed = await assistant
      .http()
      .patch(`/api/ai-assistant/conversations/${second}`)
      .set('authorization', assistant.as(user))
      .send({ title: 'Renamed' });
    expect(renamed.body.title).toBe('Renamed');
    const renameByBob = await assistant
      .http()
      .patch(`/api/ai-assistant/conversations/${second}`)
      .set('authorization', assistant.as(BOB))
      .send({ title: 'Mine now' });
    expect(renameByBob.status).toBe(404);

    const deleteByBob = await assistant
      .http()
      .delete(`/api/ai-assistant/conversations/${chat}`)
      .set('authorization', assistant.as(BOB));
    expect(deleteByBob.status).toBe(404);
    const deleted = await assistant
      .http()
      .delete(`/api/ai-assistant/conversations/${chat}`)
      .set('authorization', assistant.as(user));
    expect(deleted.status).toBe(204);
    expect((await get(`/conversations/${chat}`)).status).toBe(404);
    expect(assistant.audits.map(a => [a.eventId, a.outcome])).toContainEqual([
      'conversation-delete',
      'success',
    ]);
  });

  it('refuses a user the policy does not let chat, and needs a signed-in user', async () => {
    const res = await assistant
      .http()
      .post('/api/ai-assistant/conversations')
      .set('authorization', assistant.as(MALLORY))
      .send({});
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      'You may not use the AI assistant (ai-assistant.chat.use)',
    );
    const invalid = await assistant
      .http()
      .get('/api/ai-assistant/conversations')
      .set('authorization', mockCredentials.user.invalidHeader());
    expect(invalid.status).toBe(401);
  });

  it('shows token usage to administrators only', async () => {
    fake.reply({
      text: 'ok',
      usage: { prompt_tokens: 120, completion_tokens: 30 },
    });
    const chat = await assistant.newConversation(ADA);
    await assistant.send(ADA, chat, 'Count my tokens');

    const denied = await assistant
      .http()
      .get('/api/ai-assistant/usage')
      .set('authorization', assistant.as(ADA));
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toBe(
      "You may not read the assistant's usage (ai-assistant.usage.read)",
    );

    const report = await assistant
      .http()
      .get('/api/ai-assistant/usage?days=7')
      .set('authorization', assistant.as(ADMIN));
    expect(report.status).toBe(200);
    const adaRow = report.body.byUser.find((u: any) => u.userRef === ADA);
    expect(adaRow.promptTokens).toBeGreaterThanOrEqual(120);
    expect(report.body.byModel.map((m: any) => m.model)).toEqual([fake.model]);
    expect(
      (
        await assistant
          .http()
          .get('/api/ai-assistant/usage?days=0')
          .set('authorization', assistant.as(ADMIN))
      ).status,
    ).toBe(400);
  });

  it('tells the user when older messages no longer fit the context budget', async () => {
    const tight = await startAssistantBackend({
      aiAssistant: {
        provider: {
          baseUrl: fake.url,
          apiKey: fake.apiKey,
          model: fake.model,
          maxRetries: 0,
        },
        contextBudgetTokens: 1000,
      },
    });
    try {
      const chat = await tight.newConversation(ADA);
      fake.reply(
        { text: 'first answer' },
        // The summary of the first turn cannot be made: it is left out
        { error: { status: 503, message: 'Overloaded' } },
        { text: 'second answer' },
      );
      await tight.send(ADA, chat, `first ${'x'.repeat(3000)}`);
      const res = await tight.send(ADA, chat, 'And now?');

      const notices = eventsOf(res.events, 'message').filter(
        e => e.message.role === 'notice',
      );
      expect(notices.map(n => n.message.content)).toEqual([
        `2 earlier messages were not sent to the model, to keep within its context budget (aiAssistant.contextBudgetTokens: 1000 tokens); they could not be summarised (The model provider at ${fake.url} failed (503): Overloaded). They are still here.`,
      ]);
      expect(fake.chatRequests[1].stream).toBe(false);
      expect(fake.chatRequests[2].messages.map((m: any) => m.role)).toEqual([
        'system',
        'user',
      ]);
    } finally {
      await tight.stop();
    }
  });

  it('limits requests per user, saying when to come back', async () => {
    const limited = await startAssistantBackend({
      aiAssistant: {
        provider: { baseUrl: fake.url, apiKey: fake.apiKey, model: fake.model },
        rateLimit: { maxRequests: 2, windowSeconds: 3600 },
      },
    });
    try {
      const chat = await limited.newConversation(ADA);
      fake.reply({ text: 'one' }, { text: 'two' });
      expect((await limited.send(ADA, chat, '1')).status).toBe(200);
      expect((await limited.send(ADA, chat, '2')).status).toBe(200);
      const third = await limited.send(ADA, chat, '3');
      expect(third.status).toBe(429);
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      expect(third.body.error.message).toMatch(
        /^You have sent 2 requests to the assistant in 3600 s \(aiAssistant.rateLimit\); try again in \d+ s$/,
      );
      // Bob has his own allowance
      const bobChat = await limited.newConversation(BOB);
      fake.reply({ text: 'bob' });
      expect((await limited.send(BOB, bobChat, 'hi')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('keeps a confirmation pending across a page reload, with its dialog text', async () => {
    const chat = await assistant.newConversation(ADA);
    await readThenAskToFile(chat);
    const stored: AiConversation = await assistant.conversation(ADA, chat);
    const [pending] = stored.pendingConfirmations as AiPendingConfirmation[];
    expect(pending).toMatchObject({
      actionTitle: 'Create a Jira issue',
      actionDescription: 'Files a new issue',
      input: { summary: 'Release fails in npm install', project: 'PAY' },
    });
  });
});
