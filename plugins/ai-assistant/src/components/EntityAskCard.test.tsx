import type { Entity } from '@backstage/catalog-model';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FakeAiAssistantBackend,
  message,
} from '../__testUtils__/FakeAiAssistantBackend';
import { renderWithBackend } from '../__testUtils__/render';
import { EntityAskCard, entityNoun } from './EntityAskCard';

jest.setTimeout(60_000);

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/payments-team' },
};
const ENTITY_REF = 'component:default/payments-api';

describe('EntityAskCard', () => {
  let backend: FakeAiAssistantBackend;
  let user: ReturnType<typeof userEvent.setup>;

  beforeEach(() => {
    backend = new FakeAiAssistantBackend();
    user = userEvent.setup({ delay: null });
  });

  it('opens a side panel whose new conversation is about the entity', async () => {
    // A conversation about another entity is not continued here
    backend.add({ title: 'Other', entityRef: 'component:default/storefront' });
    renderWithBackend(<EntityAskCard />, backend, { entity });

    await user.click(
      await screen.findByRole('button', { name: 'Ask about this service' }),
    );
    const panel = await screen.findByRole('dialog', {
      name: 'Ask about payments-api',
    });
    expect(panel).toHaveTextContent(
      `The assistant knows you are asking about ${ENTITY_REF}`,
    );
    const box = await within(panel).findByRole('textbox', {
      name: 'Message the assistant',
    });
    await waitFor(() => expect(box).toHaveFocus());
    await user.click(
      within(panel).getByRole('button', {
        name: 'Why did the last pipeline run of payments-api fail?',
      }),
    );
    expect(box).toHaveValue(
      'Why did the last pipeline run of payments-api fail?',
    );

    backend.answerNext(stream => {
      const conversationId = [...backend.conversations.values()].find(
        c => c.entityRef === ENTITY_REF,
      )!.conversationId;
      stream.send({
        type: 'message',
        message: message(conversationId, {
          role: 'user',
          content: 'Why did the last pipeline run of payments-api fail?',
        }),
      });
      stream.send({ type: 'delta', text: 'Run 42 failed in ' });
      stream.send({ type: 'delta', text: '`npm test`.' });
      stream.send({
        type: 'message',
        message: message(conversationId, {
          role: 'assistant',
          content: 'Run 42 failed in `npm test`.',
        }),
      });
      stream.send({ type: 'done', outcome: 'completed' });
      stream.end();
    });
    await user.keyboard('{Enter}');

    expect(
      await within(panel).findByText('Run 42 failed in', { exact: false }),
    ).toBeVisible();
    const [create] = backend.writes();
    expect(create).toMatchObject({
      method: 'POST',
      path: 'conversations',
      json: { entityRef: ENTITY_REF },
    });
    const created = [...backend.conversations.values()].find(
      c => c.entityRef === ENTITY_REF,
    )!;
    expect(
      within(panel).getByRole('link', { name: 'Open in the chat page' }),
    ).toHaveAttribute(
      'href',
      `/ai-assistant?conversation=${created.conversationId}`,
    );

    await user.click(within(panel).getByRole('button', { name: 'Close' }));
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', { name: 'Ask about payments-api' }),
      ).toBeNull(),
    );
  });

  it('continues the latest conversation about the entity, and starts a new one on request', async () => {
    const earlier = backend.add({
      title: 'Gate',
      entityRef: ENTITY_REF,
    });
    earlier.messages.push(
      message(earlier.conversationId, {
        role: 'assistant',
        content: 'The quality gate passed.',
      }),
    );
    renderWithBackend(<EntityAskCard />, backend, { entity });
    await user.click(
      await screen.findByRole('button', { name: 'Ask about this service' }),
    );
    const panel = await screen.findByRole('dialog', {
      name: 'Ask about payments-api',
    });
    expect(
      await within(panel).findByText('The quality gate passed.'),
    ).toBeVisible();

    await user.click(
      within(panel).getByRole('button', { name: 'New conversation' }),
    );
    await waitFor(() =>
      expect(within(panel).queryByText('The quality gate passed.')).toBeNull(),
    );
    expect(
      within(panel).getByRole('button', { name: 'New conversation' }),
    ).toBeDisabled();
  });

  it('names the kind of entity it is about', () => {
    expect(entityNoun(entity)).toBe('service');
    expect(entityNoun({ ...entity, spec: { type: 'website' } })).toBe(
      'component',
    );
    expect(entityNoun({ ...entity, kind: 'API' })).toBe('API');
    expect(entityNoun({ ...entity, kind: 'System', spec: {} })).toBe('system');
  });
});
