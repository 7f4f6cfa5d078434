import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { AiConversation } from '@internal/plugin-ai-assistant-common';
import { createServer } from 'node:net';
import request from 'supertest';
import aiAssistantPlugin from './index';
import {
  ADA,
  eventsOf,
  startAssistantBackend,
} from './__testUtils__/assistantTestBackend';
import { OpenAiFake } from './testUtils';

jest.setTimeout(60_000);

async function freePort(): Promise<number> {
  return new Promise(resolve => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('aiAssistantPlugin', () => {
  it('without a provider, says which keys to set and answers chat with 503', async () => {
    const assistant = await startAssistantBackend({
      aiAssistant: { provider: { model: 'gpt-4.1-mini' } },
    });
    try {
      const config = await assistant
        .http()
        .get('/api/ai-assistant/config')
        .set('authorization', assistant.as(ADA));
      expect(config.body).toEqual({
        configured: false,
        missingKeys: [
          'aiAssistant.provider.baseUrl',
          'aiAssistant.provider.apiKey',
        ],
        message: expect.stringContaining(
          'set aiAssistant.provider.baseUrl, aiAssistant.provider.apiKey in app-config',
        ),
      });
      const chat = await assistant.newConversation(ADA);
      const res = await assistant.send(ADA, chat, 'Hello?');
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain(
        'The AI assistant has no model provider: set aiAssistant.provider.baseUrl, aiAssistant.provider.apiKey',
      );
      // Nothing was taken from the user's conversation: the client still has the text
      const stored: AiConversation = await assistant.conversation(ADA, chat);
      expect(stored.messages).toEqual([]);
    } finally {
      await assistant.stop();
    }
  });

  it('logs one line saying how to turn the chat on, and registers its permissions', async () => {
    const logger = mockServices.logger.mock();
    const backend = await startTestBackend({
      features: [
        aiAssistantPlugin,
        mockServices.rootConfig.factory({ data: {} }),
        logger.factory,
      ],
    });
    try {
      expect(logger.info).toHaveBeenCalledWith(
        'AI assistant chat is off; set aiAssistant.provider.baseUrl, aiAssistant.provider.apiKey, aiAssistant.provider.model to turn it on',
      );
      const metadata = await request(backend.server).get(
        '/api/ai-assistant/.well-known/backstage/permissions/metadata',
      );
      expect(
        metadata.body.permissions.map((p: { name: string }) => p.name),
      ).toEqual([
        'ai-assistant.chat.use',
        'ai-assistant.usage.read',
        'ai-assistant.rules.manage',
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('refuses to start with a bad value, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          aiAssistantPlugin,
          mockServices.rootConfig.factory({
            data: {
              aiAssistant: {
                provider: { baseUrl: 'nope', apiKey: 'k', model: 'm' },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow('aiAssistant.provider.baseUrl: "nope" is not a URL');
  });

  it('says the provider cannot be reached, and keeps the question', async () => {
    const port = await freePort();
    const assistant = await startAssistantBackend({
      aiAssistant: {
        provider: {
          baseUrl: `http://127.0.0.1:${port}/v1`,
          apiKey: 'k',
          model: 'm',
          maxRetries: 0,
        },
      },
    });
    try {
      const chat = await assistant.newConversation(ADA);
      const res = await assistant.send(ADA, chat, 'Are you there?');
      expect(res.status).toBe(200);
      const [error] = eventsOf(res.events, 'error');
      expect(error.message).toContain(
        `The model provider at http://127.0.0.1:${port}/v1 could not be reached`,
      );
      expect(res.events.pop()).toEqual({ type: 'done', outcome: 'failed' });
      const stored: AiConversation = await assistant.conversation(ADA, chat);
      expect(stored.messages.map(m => [m.role, m.content])).toEqual([
        ['user', 'Are you there?'],
        ['notice', error.message],
      ]);
      expect(stored.title).toBe('Are you there?');
    } finally {
      await assistant.stop();
    }
  });

  it('works end to end with the fake in demo mode: ask, confirm a tool call, see its result', async () => {
    const fake = await OpenAiFake.start({ mode: 'demo' });
    const assistant = await startAssistantBackend({
      aiAssistant: {
        provider: { baseUrl: fake.url, apiKey: fake.apiKey, model: fake.model },
      },
    });
    try {
      const chat = await assistant.newConversation(ADA);
      const hello = await assistant.send(ADA, chat, 'Hello');
      const text = eventsOf(hello.events, 'delta')
        .map(e => e.text)
        .join('');
      expect(text).toContain("This is Comet's demo model");
      expect(text).toContain('`jira:create-issue`');

      const ask = await assistant.send(
        ADA,
        chat,
        'Please jira:create-issue {"project": "PAY", "summary": "Release fails"}',
      );
      const [confirmation] = eventsOf(ask.events, 'confirmation').map(
        e => e.confirmation,
      );
      expect(confirmation.input).toEqual({
        project: 'PAY',
        summary: 'Release fails',
      });
      expect(assistant.invocations).toEqual([]);

      const approved = await assistant.decide(
        ADA,
        confirmation.confirmationId,
        {
          decision: 'approve',
          conversationId: chat,
          callHash: confirmation.callHash,
        },
      );
      expect(assistant.invocations.map(i => i.actionId)).toEqual([
        'jira:create-issue',
      ]);
      const answer = eventsOf(approved.events, 'delta')
        .map(e => e.text)
        .join('');
      expect(answer).toContain('"key": "PAY-101"');
    } finally {
      await assistant.stop();
      await fake.close();
    }
  });
});
