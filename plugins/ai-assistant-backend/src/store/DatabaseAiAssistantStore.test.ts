import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseAiAssistantStore } from './DatabaseAiAssistantStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const ADA = 'user:default/ada';
const BOB = 'user:default/bob';

describe.each(databases.eachSupportedId())(
  'DatabaseAiAssistantStore on %s',
  databaseId => {
    let time: number;
    const clock = () => new Date(time);

    async function createStore() {
      const knex = await databases.init(databaseId);
      return DatabaseAiAssistantStore.create({
        database: { getClient: async () => knex },
        clock,
      });
    }

    beforeEach(() => {
      time = Date.parse('2026-12-20T10:00:00.000Z');
    });

    it('keeps each user to their own conversations', async () => {
      const store = await createStore();
      const adas = await store.createConversation(
        ADA,
        'Payments release',
        'component:default/payments-api',
      );
      await store.createConversation(BOB, 'Bob only');

      expect(adas).toEqual({
        conversationId: expect.any(String),
        title: 'Payments release',
        entityRef: 'component:default/payments-api',
        createdAt: '2026-12-20T10:00:00.000Z',
        updatedAt: '2026-12-20T10:00:00.000Z',
        messageCount: 0,
      });
      expect(
        await store.getConversation(BOB, adas.conversationId),
      ).toBeUndefined();
      expect(
        await store.renameConversation(BOB, adas.conversationId, 'mine'),
      ).toBe(false);
      expect(await store.deleteConversation(BOB, adas.conversationId)).toBe(
        false,
      );
      expect(
        (await store.getConversation(ADA, adas.conversationId))?.title,
      ).toBe('Payments release');
      const list = await store.listConversations(ADA, { limit: 10, offset: 0 });
      expect(list.totalCount).toBe(1);
      expect(list.items.map(c => c.title)).toEqual(['Payments release']);
    });

    it('orders messages, counts chat messages and keeps tool data', async () => {
      const store = await createStore();
      const { conversationId } = await store.createConversation(ADA, 't');
      await store.appendMessage(conversationId, {
        role: 'user',
        content: 'Why did it fail?',
      });
      time += 1000;
      await store.appendMessage(conversationId, {
        role: 'assistant',
        content: '',
        toolCalls: [
          {
            toolCallId: 'call_1',
            actionId: 'pipelines:get-run',
            input: { runId: 'r1' },
          },
        ],
      });
      await store.appendMessage(conversationId, {
        role: 'tool',
        content: '{"untrusted_data":true}',
        toolCallId: 'call_1',
        activity: {
          toolCallId: 'call_1',
          actionId: 'pipelines:get-run',
          title: 'Get run',
          readOnly: true,
          input: { runId: 'r1' },
          status: 'succeeded',
          output: { status: 'failed' },
        },
      });
      await store.appendMessage(conversationId, {
        role: 'notice',
        notice: 'error',
        content: 'The provider failed',
      });

      const messages = await store.listMessages(conversationId);
      expect(messages.map(m => m.role)).toEqual([
        'user',
        'assistant',
        'tool',
        'notice',
      ]);
      expect(messages[1].toolCalls).toEqual([
        {
          toolCallId: 'call_1',
          actionId: 'pipelines:get-run',
          input: { runId: 'r1' },
        },
      ]);
      expect(messages[2].toolCallId).toBe('call_1');
      expect(messages[2].activity?.output).toEqual({ status: 'failed' });
      expect(messages[3].notice).toBe('error');
      const summary = await store.getConversation(ADA, conversationId);
      expect(summary?.messageCount).toBe(2);
      expect(summary?.updatedAt).toBe('2026-12-20T10:00:01.000Z');
    });

    it('searches titles and message text, case-insensitively, with LIKE characters taken literally', async () => {
      const store = await createStore();
      const release = await store.createConversation(
        ADA,
        'Release of payments-api',
      );
      const other = await store.createConversation(ADA, 'Something else');
      await store.appendMessage(other.conversationId, {
        role: 'user',
        content: 'The QUALITY gate blocks 100% of merges',
      });
      const tools = await store.createConversation(ADA, 'Tools only');
      await store.appendMessage(tools.conversationId, {
        role: 'tool',
        content: 'quality',
        toolCallId: 'c',
      });
      await store.createConversation(BOB, 'Bob asks about quality');

      const search = async (query: string) =>
        (
          await store.listConversations(ADA, { query, limit: 10, offset: 0 })
        ).items.map(c => c.conversationId);
      expect(await search('PAYMENTS')).toEqual([release.conversationId]);
      expect(await search('quality gate')).toEqual([other.conversationId]);
      expect(await search('100%')).toEqual([other.conversationId]);
      expect(await search('1_0')).toEqual([]);
      expect(await search('%')).toEqual([other.conversationId]);
    });

    it('pages the most recently active first', async () => {
      const store = await createStore();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        time += 1000;
        ids.push((await store.createConversation(ADA, `c${i}`)).conversationId);
      }
      time += 1000;
      await store.appendMessage(ids[1], { role: 'user', content: 'bump' });

      const first = await store.listConversations(ADA, { limit: 2, offset: 0 });
      const second = await store.listConversations(ADA, {
        limit: 2,
        offset: 2,
      });
      expect(first.totalCount).toBe(5);
      expect(first.items.map(c => c.title)).toEqual(['c1', 'c4']);
      expect(second.items.map(c => c.title)).toEqual(['c3', 'c2']);
    });

    it('deletes a conversation with its messages and confirmations', async () => {
      const store = await createStore();
      const { conversationId } = await store.createConversation(ADA, 't');
      await store.appendMessage(conversationId, {
        role: 'user',
        content: 'hi',
      });
      const confirmation = await store.createConfirmation({
        conversationId,
        userRef: ADA,
        toolCallId: 'call_1',
        actionId: 'jira:create-issue',
        input: { summary: 'x' },
        callHash: 'a'.repeat(64),
        ttlMs: 300_000,
      });

      expect(await store.deleteConversation(ADA, conversationId)).toBe(true);
      expect(await store.listMessages(conversationId)).toEqual([]);
      expect(
        await store.getConfirmation(confirmation.confirmationId),
      ).toBeUndefined();
      expect(await store.getConversation(ADA, conversationId)).toBeUndefined();
    });

    it('lets one request decide a confirmation, once, and only before it expires', async () => {
      const store = await createStore();
      const { conversationId } = await store.createConversation(ADA, 't');
      const held = () =>
        store.createConfirmation({
          conversationId,
          userRef: ADA,
          toolCallId: 'call_1',
          actionId: 'jira:create-issue',
          input: { summary: 'Fix the build', labels: ['ci'] },
          callHash: 'b'.repeat(64),
          ttlMs: 300_000,
        });
      const first = await held();
      expect(await store.getConfirmation(first.confirmationId)).toEqual({
        ...first,
        input: { summary: 'Fix the build', labels: ['ci'] },
      });
      expect(first.expiresAt.toISOString()).toBe('2026-12-20T10:05:00.000Z');

      const decisions = await Promise.all([
        store.decideConfirmation(first.confirmationId, 'approved'),
        store.decideConfirmation(first.confirmationId, 'approved'),
        store.decideConfirmation(first.confirmationId, 'rejected'),
      ]);
      expect(decisions.filter(Boolean)).toHaveLength(1);
      expect(
        await store.decideConfirmation(first.confirmationId, 'expired'),
      ).toBe(false);

      const late = await held();
      expect(
        (await store.listPendingConfirmations(conversationId)).map(
          c => c.confirmationId,
        ),
      ).toEqual([late.confirmationId]);
      time += 300_000;
      expect(
        await store.decideConfirmation(late.confirmationId, 'approved'),
      ).toBe(false);
      expect(
        await store.decideConfirmation(late.confirmationId, 'expired'),
      ).toBe(true);
      expect((await store.getConfirmation(late.confirmationId))?.status).toBe(
        'expired',
      );
      expect(await store.listPendingConfirmations(conversationId)).toEqual([]);
    });

    it('gives one answer at a time per conversation, until the lease runs out', async () => {
      const store = await createStore();
      const { conversationId } = await store.createConversation(ADA, 't');
      expect(await store.acquireTurn(conversationId, 60_000)).toBe(true);
      expect(await store.acquireTurn(conversationId, 60_000)).toBe(false);
      time += 30_000;
      await store.renewTurn(conversationId, 60_000);
      time += 45_000;
      expect(await store.acquireTurn(conversationId, 60_000)).toBe(false);
      time += 20_000;
      expect(await store.acquireTurn(conversationId, 60_000)).toBe(true);
      await store.releaseTurn(conversationId);
      expect(await store.acquireTurn(conversationId, 60_000)).toBe(true);
    });

    it('counts requests per user in fixed windows, concurrent ones included', async () => {
      const store = await createStore();
      time = Date.parse('2026-12-20T10:00:30.000Z');
      const counts = await Promise.all(
        Array.from({ length: 5 }, () => store.countRequest(ADA, 60_000)),
      );
      expect(counts.map(c => c.count).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(counts[0].windowEndsAt.toISOString()).toBe(
        '2026-12-20T10:01:00.000Z',
      );
      expect((await store.countRequest(BOB, 60_000)).count).toBe(1);
      time += 30_000;
      expect((await store.countRequest(ADA, 60_000)).count).toBe(1);
    });

    it('reports usage per user, model and day', async () => {
      const store = await createStore();
      await store.recordUsage({
        userRef: ADA,
        conversationId: '6f1c4bd4-8a7e-4c86-9d0b-3c1c2b6f0a11',
        model: 'gpt-x',
        usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120 },
      });
      time += 86_400_000;
      await store.recordUsage({
        userRef: BOB,
        model: 'gpt-x',
        usage: { promptTokens: 50, completionTokens: 5, totalTokens: 55 },
      });
      await store.recordUsage({ userRef: BOB, model: 'llama' });

      const report = await store.usageReport(new Date('2026-12-01T00:00:00Z'));
      expect(report).toEqual({
        since: '2026-12-01T00:00:00.000Z',
        totals: {
          requests: 3,
          promptTokens: 150,
          completionTokens: 25,
          totalTokens: 175,
        },
        byUser: [
          {
            userRef: ADA,
            requests: 1,
            promptTokens: 100,
            completionTokens: 20,
            totalTokens: 120,
          },
          {
            userRef: BOB,
            requests: 2,
            promptTokens: 50,
            completionTokens: 5,
            totalTokens: 55,
          },
        ],
        byModel: [
          {
            model: 'gpt-x',
            requests: 2,
            promptTokens: 150,
            completionTokens: 25,
            totalTokens: 175,
          },
          {
            model: 'llama',
            requests: 1,
            promptTokens: 0,
            completionTokens: 0,
            totalTokens: 0,
          },
        ],
        byDay: [
          {
            day: '2026-12-20',
            requests: 1,
            promptTokens: 100,
            completionTokens: 20,
            totalTokens: 120,
          },
          {
            day: '2026-12-21',
            requests: 2,
            promptTokens: 50,
            completionTokens: 5,
            totalTokens: 55,
          },
        ],
      });
      const later = await store.usageReport(new Date('2026-12-21T00:00:00Z'));
      expect(later.totals.requests).toBe(2);
      const none = await store.usageReport(new Date('2027-01-01T00:00:00Z'));
      expect(none.totals).toEqual({
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        totalTokens: 0,
      });
    });

    it('skips migrations when the database says so', async () => {
      const knex = await databases.init(databaseId);
      await DatabaseAiAssistantStore.create({
        database: { getClient: async () => knex },
      });
      const again = await DatabaseAiAssistantStore.create({
        database: { getClient: async () => knex, migrations: { skip: true } },
      });
      expect(
        await again.listConversations(ADA, { limit: 1, offset: 0 }),
      ).toEqual({
        items: [],
        totalCount: 0,
      });
    });
  },
);
