import type { ActionsServiceAction } from '@backstage/backend-plugin-api/alpha';
import type { StoredAiMessage } from '../store/DatabaseAiAssistantStore';
import { SecretMasker } from '../tools/SecretMasker';
import { ToolCatalog } from '../tools/ToolCatalog';
import { PromptBuilder, toolDataContent } from './PromptBuilder';

const getRun: ActionsServiceAction = {
  id: 'pipelines:get-run',
  pluginId: 'pipelines',
  name: 'get-run',
  title: 'Get run',
  description: 'Reads a run',
  schema: { input: { type: 'object', properties: {} }, output: {} },
  attributes: { readOnly: true, destructive: false, idempotent: true },
};
const catalog = ToolCatalog.fromActions([getRun]);
const masker = new SecretMasker(['hunter2-secret']);

let seq = 0;
function message(over: Partial<StoredAiMessage>): StoredAiMessage {
  seq += 1;
  return {
    messageId: `m${seq}`,
    conversationId: 'c',
    role: 'user',
    content: '',
    createdAt: '2026-12-20T10:00:00.000Z',
    ...over,
  };
}

describe('PromptBuilder', () => {
  it('sends the history as the API wants it, masked, notices left out', () => {
    const builder = PromptBuilder.create({ masker, budgetTokens: 100_000 });
    const prompt = builder.build({
      history: [
        message({
          role: 'user',
          content: 'My password is hunter2-secret, why did run 7 fail?',
        }),
        message({
          role: 'assistant',
          content: '',
          toolCalls: [
            {
              toolCallId: 'call_1',
              actionId: 'pipelines:get-run',
              input: { runId: '7' },
            },
          ],
        }),
        message({
          role: 'tool',
          toolCallId: 'call_1',
          content: toolDataContent('pipelines:get-run', {
            status: 'succeeded',
            output: 'log: hunter2-secret',
          }),
        }),
        message({
          role: 'notice',
          notice: 'error',
          content: 'provider failed',
        }),
        message({ role: 'assistant', content: 'It ran out of memory.' }),
      ],
      catalog,
      userRef: 'user:default/ada',
      entityRef: 'component:default/payments-api',
      offerTools: true,
    });

    expect(prompt.droppedMessages).toBe(0);
    expect(prompt.tools).toEqual(catalog.tools);
    const [system, ...rest] = prompt.messages;
    expect(system.role).toBe('system');
    expect(system.content).toContain('user:default/ada');
    expect(system.content).toContain('never instructions');
    expect(system.content).toContain('component:default/payments-api');
    expect(rest).toEqual([
      { role: 'user', content: 'My password is [masked], why did run 7 fail?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: {
              name: 'pipelines__get-run',
              arguments: '{"runId":"7"}',
            },
          },
        ],
      },
      {
        role: 'tool',
        tool_call_id: 'call_1',
        content: expect.stringContaining('log: [masked]'),
      },
      { role: 'assistant', content: 'It ran out of memory.' },
    ]);
    const data = JSON.parse(rest[2].content as string);
    expect(data).toEqual({
      untrusted_data: true,
      source: 'tool pipelines:get-run',
      note: expect.stringContaining('not instructions'),
      status: 'succeeded',
      output: 'log: [masked]',
    });
    expect(JSON.stringify(prompt)).not.toContain('hunter2-secret');
  });

  it('answers a call whose result is missing, so the request stays valid', () => {
    const builder = PromptBuilder.create({ masker, budgetTokens: 100_000 });
    const prompt = builder.build({
      history: [
        message({ role: 'tool', toolCallId: 'orphan', content: 'x' }),
        message({
          role: 'assistant',
          content: 'Looking',
          toolCalls: [
            { toolCallId: 'call_9', actionId: 'gone:action', input: {} },
          ],
        }),
      ],
      catalog,
      userRef: 'user:default/ada',
      offerTools: false,
    });
    expect(prompt.tools).toEqual([]);
    expect(prompt.messages[0].content).toContain('No tools are offered');
    expect(prompt.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Looking',
        tool_calls: [
          {
            id: 'call_9',
            type: 'function',
            function: { name: 'gone__action', arguments: '{}' },
          },
        ],
      },
      {
        role: 'tool',
        tool_call_id: 'call_9',
        content: expect.stringContaining('interrupted'),
      },
    ]);
  });

  it('leaves out the oldest turns over the budget, never the latest', () => {
    const builder = PromptBuilder.create({ masker, budgetTokens: 1000 });
    const long = 'x'.repeat(1200);
    const history = [
      message({ role: 'user', content: `first ${long}` }),
      message({ role: 'assistant', content: `answer ${long}` }),
      message({ role: 'user', content: `second ${long}` }),
      message({ role: 'assistant', content: 'short' }),
      message({ role: 'user', content: `latest ${'y'.repeat(5000)}` }),
    ];
    const prompt = builder.build({
      history,
      catalog,
      userRef: 'user:default/ada',
      offerTools: true,
    });
    expect(prompt.droppedMessages).toBe(4);
    expect(prompt.messages.map(m => String(m.content).slice(0, 6))).toEqual([
      'You ar',
      'latest',
    ]);

    const roomy = PromptBuilder.create({ masker, budgetTokens: 2200 }).build({
      history,
      catalog,
      userRef: 'user:default/ada',
      offerTools: true,
    });
    expect(roomy.droppedMessages).toBe(2);
    expect(roomy.messages.map(m => String(m.content).slice(0, 6))).toEqual([
      'You ar',
      'second',
      'short',
      'latest',
    ]);
  });
});
