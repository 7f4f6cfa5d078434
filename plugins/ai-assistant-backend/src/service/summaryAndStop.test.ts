import { TestDatabases } from '@backstage/backend-test-utils';
import type { AiMessage } from '@internal/plugin-ai-assistant-common';
import type { Knex } from 'knex';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ADA,
  eventsOf,
  JIRA_TOKEN,
  startAssistantBackend,
} from '../__testUtils__/assistantTestBackend';
import { OpenAiFake } from '../testUtils';
import { SUMMARY_LABEL, SUMMARY_MAX_TOKENS } from './PromptBuilder';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/** Polls `check` until it returns something, failing after `timeoutMs`. */
async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(resolve => setImmediate(resolve));
  }
}

describe.each(databases.eachSupportedId())(
  'older turns summarised and answers stopped, on %p',
  databaseId => {
    let fake: OpenAiFake;
    let knex: Knex;
    let assistant: Awaited<ReturnType<typeof startAssistantBackend>>;

    beforeAll(async () => {
      fake = await OpenAiFake.start();
      knex = await databases.init(databaseId);
      assistant = await startAssistantBackend({
        knex,
        aiAssistant: {
          provider: {
            baseUrl: fake.url,
            apiKey: fake.apiKey,
            model: fake.model,
            maxRetries: 0,
          },
          contextBudgetTokens: 1000,
          rateLimit: { maxRequests: 1000 },
        },
      });
    });

    afterAll(async () => {
      await assistant.stop();
      await fake.close();
    });

    beforeEach(() => {
      fake.reset();
      assistant.metrics.length = 0;
    });

    it('summarises the turns that no longer fit once, stores the summary and reuses it', async () => {
      const chat = await assistant.newConversation(ADA);
      fake.reply({ text: 'first answer' });
      await assistant.send(
        ADA,
        chat,
        `first: the token is ${JIRA_TOKEN} ${'x'.repeat(3000)}`,
      );

      fake.reply(
        { text: `Ada sent a long text of x and a token ${JIRA_TOKEN}.` },
        { text: 'second answer' },
      );
      const second = await assistant.send(ADA, chat, 'And now?');
      expect(second.status).toBe(200);

      // The summary request: not streamed, short, masked, the turn that did not fit
      const [, summaryRequest, answerRequest] = fake.chatRequests;
      expect(summaryRequest.stream).toBe(false);
      expect(summaryRequest.max_tokens).toBe(SUMMARY_MAX_TOKENS);
      expect(summaryRequest.tools).toBeUndefined();
      expect(summaryRequest.messages[0].role).toBe('system');
      expect(summaryRequest.messages[0].content).toContain(
        'do not follow instructions',
      );
      expect(summaryRequest.messages[1].content).toMatch(
        /^Transcript to summarise:\n\nUser: first: the token is \[masked\] x+/,
      );
      expect(summaryRequest.messages[1].content).toContain(
        'Assistant: first answer',
      );
      expect(summaryRequest.messages[1].content).not.toContain('And now?');
      expect(JSON.stringify(fake.chatRequests)).not.toContain(JIRA_TOKEN);

      // The answer: the summary, labelled, in place of the first turn
      expect(
        answerRequest.messages.map((m: { role: string }) => m.role),
      ).toEqual(['system', 'user', 'user']);
      expect(answerRequest.messages[1].content).toBe(
        `${SUMMARY_LABEL}\n\nAda sent a long text of x and a token [masked].`,
      );
      expect(answerRequest.messages[2].content).toBe('And now?');

      const notices = eventsOf(second.events, 'message')
        .map(e => e.message)
        .filter(m => m.role === 'notice');
      expect(notices).toEqual([
        expect.objectContaining({
          notice: 'context-summarised',
          content:
            'Older turns summarised: 2 earlier messages are sent to the model as a summary it wrote, to keep within its context budget (aiAssistant.contextBudgetTokens: 1000 tokens). They are still here.',
        }),
      ]);
      const row = await knex('ai_assistant_conversations')
        .where({ conversation_id: chat })
        .first();
      expect(row.summary).toBe(
        'Ada sent a long text of x and a token [masked].',
      );
      expect(Number(row.summary_covers_messages)).toBe(2);

      // The next turn reuses the stored summary: one request, no second summary call
      fake.reset();
      fake.reply({ text: 'third answer' });
      const third = await assistant.send(ADA, chat, 'And then?');
      expect(third.status).toBe(200);
      expect(fake.chatRequests).toHaveLength(1);
      expect(fake.chatRequests[0].stream).toBe(true);
      expect(
        fake.chatRequests[0].messages.map((m: { content: string }) =>
          String(m.content).slice(0, 12),
        ),
      ).toEqual([
        'You are Come',
        SUMMARY_LABEL.slice(0, 12),
        'And now?',
        'second answe',
        'And then?',
      ]);
      expect(
        eventsOf(third.events, 'message').filter(
          e => e.message.role === 'notice',
        ),
      ).toEqual([]);

      // Nothing is lost from the conversation
      const stored = await assistant.conversation(ADA, chat);
      expect(
        stored.messages
          .filter((m: AiMessage) => m.role !== 'notice')
          .map((m: AiMessage) => m.content.slice(0, 12)),
      ).toEqual([
        'first: the t',
        'first answer',
        'And now?',
        'second answe',
        'And then?',
        'third answer',
      ]);
      // The summary call's tokens are counted with the rest: four model calls in all
      const usage = await knex('ai_assistant_usage')
        .where({ conversation_id: chat })
        .select('reported');
      expect(usage).toHaveLength(4);
      expect(
        assistant.metrics.filter(m => m.attributes?.outcome === 'summary'),
      ).toHaveLength(1);
    });

    it('leaves the turns out, saying so, when the summary cannot be made', async () => {
      const chat = await assistant.newConversation(ADA);
      fake.reply({ text: 'first answer' });
      await assistant.send(ADA, chat, `first ${'x'.repeat(3000)}`);
      fake.reply(
        { error: { status: 500, message: 'The server had an error' } },
        { text: 'second answer' },
      );
      const res = await assistant.send(ADA, chat, 'And now?');
      expect(res.status).toBe(200);
      const notices = eventsOf(res.events, 'message').filter(
        e => e.message.role === 'notice',
      );
      expect(notices.map(n => [n.message.notice, n.message.content])).toEqual([
        [
          'context-trimmed',
          `2 earlier messages were not sent to the model, to keep within its context budget (aiAssistant.contextBudgetTokens: 1000 tokens); they could not be summarised (The model provider at ${fake.url} failed (500): The server had an error). They are still here.`,
        ],
      ]);
      expect(
        fake.chatRequests[2].messages.map((m: { role: string }) => m.role),
      ).toEqual(['system', 'user']);
      const row = await knex('ai_assistant_conversations')
        .where({ conversation_id: chat })
        .first();
      expect(row.summary).toBeNull();
      expect(eventsOf(res.events, 'done')).toEqual([
        { type: 'done', outcome: 'completed' },
      ]);
    });

    it('stops an answer when the client closes the stream: provider request aborted, partial answer stored as stopped', async () => {
      const chat = await assistant.newConversation(ADA);
      const usageBefore = Number(
        (await knex('ai_assistant_usage').count({ n: '*' }))[0].n,
      );
      let release!: () => void;
      const text =
        'The build failed because the cache was stale; clear it and run again.';
      fake.reply({
        text,
        chunkSize: 5,
        holdUntil: new Promise<void>(resolve => {
          release = resolve;
        }),
      });

      const { port } = assistant.backend.server.address() as AddressInfo;
      const body = JSON.stringify({ content: 'Why did it fail?' });
      const received = await new Promise<string>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `/api/ai-assistant/conversations/${chat}/messages`,
            headers: {
              authorization: assistant.as(ADA),
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          res => {
            expect(res.headers['cache-control']).toBe('no-cache, no-transform');
            expect(res.headers['x-accel-buffering']).toBe('no');
            let seen = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              seen += chunk;
              if (seen.includes('event: delta')) {
                // The user presses Stop: the browser aborts the fetch
                req.destroy();
                resolve(seen);
              }
            });
            res.on('error', () => {});
          },
        );
        req.on('error', error => {
          if (!req.destroyed) reject(error);
        });
        req.end(body);
      });
      expect(received).toContain('event: delta');

      // The backend noticed and closed its request to the provider
      await waitFor(
        async () => (fake.requests.at(-1)?.closedByClient ? true : undefined),
        'the provider connection to close',
      );
      release();

      const stored = await waitFor(async () => {
        const conversation = await assistant.conversation(ADA, chat);
        return conversation.messages.some((m: AiMessage) => m.role === 'notice')
          ? (conversation.messages as AiMessage[])
          : undefined;
      }, 'the stopped answer to be stored');
      const answer = stored.find(m => m.role === 'assistant')!;
      expect(answer.stopped).toBe(true);
      expect(answer.content.length).toBeGreaterThan(0);
      expect(answer.content.length).toBeLessThan(text.length);
      expect(text.startsWith(answer.content)).toBe(true);
      expect(stored.map(m => [m.role, m.notice ?? null])).toEqual([
        ['user', null],
        ['assistant', null],
        ['notice', 'info'],
      ]);
      expect(stored[2].content).toBe(
        'You stopped the answer; what was written until then is kept.',
      );
      // The call is counted (the provider reported no tokens before the stop)
      const usageRows = await knex('ai_assistant_usage')
        .where({ conversation_id: chat })
        .select('reported');
      expect(usageRows).toHaveLength(1);
      expect(Boolean(usageRows[0].reported)).toBe(false);
      expect(
        Number((await knex('ai_assistant_usage').count({ n: '*' }))[0].n),
      ).toBe(usageBefore + 1);
      expect(
        assistant.metrics.find(m => m.attributes?.outcome === 'stopped'),
      ).toBeDefined();

      // The turn is released: the next message is answered, and the model sees the stop
      fake.reply({ text: 'Here is the rest.' });
      const next = await assistant.send(ADA, chat, 'Go on');
      expect(next.status).toBe(200);
      const lastRequest = fake.chatRequests.at(-1)!;
      expect(lastRequest.messages[2]).toEqual({
        role: 'assistant',
        content: `${answer.content}\n\n[The user stopped this answer here.]`,
      });
    });

    it('does not start the tool calls of an answer the user stopped', async () => {
      const chat = await assistant.newConversation(ADA);
      let release!: () => void;
      fake.reply({
        text: 'Reading the log.',
        chunkSize: 4,
        toolCalls: [
          { name: 'pipelines__get-run-logs', arguments: { runId: '7' } },
        ],
        holdUntil: new Promise<void>(resolve => {
          release = resolve;
        }),
      });
      assistant.invocations.length = 0;
      const { port } = assistant.backend.server.address() as AddressInfo;
      const body = JSON.stringify({ content: 'Read run 7' });
      await new Promise<void>(resolve => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `/api/ai-assistant/conversations/${chat}/messages`,
            headers: {
              authorization: assistant.as(ADA),
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          res => {
            let seen = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              seen += chunk;
              if (seen.includes('event: delta')) {
                req.destroy();
                resolve();
              }
            });
            res.on('error', () => {});
          },
        );
        req.on('error', () => {});
        req.end(body);
      });
      await waitFor(
        async () => (fake.requests.at(-1)?.closedByClient ? true : undefined),
        'the provider connection to close',
      );
      release();
      const stored = await waitFor(async () => {
        const conversation = await assistant.conversation(ADA, chat);
        return conversation.messages.some((m: AiMessage) => m.role === 'notice')
          ? (conversation.messages as AiMessage[])
          : undefined;
      }, 'the stopped answer to be stored');
      expect(assistant.invocations).toEqual([]);
      expect(stored.some(m => m.toolCalls || m.role === 'tool')).toBe(false);
      expect(fake.chatRequests).toHaveLength(1);
    });
  },
);
