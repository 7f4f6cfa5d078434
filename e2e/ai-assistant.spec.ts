import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';

/*
 * The AI assistant in the portal, against the OpenAI-compatible fake the e2e backend serves at
 * /api/fakes/openai in demo mode (e2e/app-config.e2e.yaml): without a model it answers with
 * the tools it was offered, and calls the one a message names with the JSON in the message.
 * A question streams its answer; a Jira issue the assistant wants to create waits for the
 * user's approval, then is created through the Jira fake and its result shown.
 */
async function expectNoSeriousA11yViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(v =>
    ['serious', 'critical'].includes(v.impact ?? ''),
  );
  expect(
    serious.map(v => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.html.slice(0, 300)),
    })),
    `axe on ${what}`,
  ).toEqual([]);
}

test.describe('AI assistant', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/');
    await expect(page.getByText('Guest', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Enter' }).click();
    await expect(
      page
        .getByRole('navigation', { name: 'sidebar nav' })
        .getByRole('link', { name: 'Catalog', exact: true }),
    ).toBeVisible();
  });

  test('a question gets a streamed answer, kept in the conversation history', async ({
    page,
  }) => {
    await page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'AI assistant' })
      .click();
    await expect(page).toHaveURL(/\/ai-assistant$/);
    const box = page.getByRole('textbox', { name: 'Message the assistant' });
    await expect(box).toBeEnabled();
    await expect(box).toBeFocused();

    const question = `Which tools can you use for me? ${Date.now()}`;
    await box.fill(question);
    await box.press('Enter');

    const log = page.getByRole('log', { name: 'Conversation' });
    await expect(log.getByLabel('You wrote')).toHaveText(question);
    const answer = log.getByLabel('The assistant wrote');
    await expect(answer).toContainText("This is Comet's demo model", {
      timeout: 30_000,
    });
    // The tools offered are the actions this user may use, Jira's write among them
    await expect(answer).toContainText('jira:create-issue');
    await expect(page.getByRole('status')).toHaveText(
      'The assistant answered.',
    );
    await expect(page).toHaveURL(/\/ai-assistant\?conversation=[0-9a-f-]{36}$/);
    await expectNoSeriousA11yViolations(page, 'the chat page with an answer');

    // Stored: listed under the question, and there after a reload
    const conversations = page.getByRole('list', { name: 'Conversations' });
    // The item itself, not its Rename and Delete buttons
    await expect(
      conversations.getByRole('button', {
        name: new RegExp(`^${question.replace(/[?.]/g, '\\$&')} `),
      }),
    ).toBeVisible();
    await page.reload();
    await expect(
      page
        .getByRole('log', { name: 'Conversation' })
        .getByLabel('The assistant wrote'),
    ).toContainText("This is Comet's demo model");
  });

  test('a write waits for approval, then runs and its result streams in', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await page.goto('/ai-assistant');
    const box = page.getByRole('textbox', { name: 'Message the assistant' });
    await expect(box).toBeEnabled();
    const summary = `Refunds applied twice (assistant ${Date.now()})`;
    await box.fill(
      `Please file it: jira:create-issue {"entityRef": "component:default/payments-api", "issueType": "Bug", "summary": "${summary}"}`,
    );
    await box.press('Enter');

    const card = page.getByRole('region', {
      name: 'Confirm: Create a Jira issue',
    });
    await expect(card).toBeVisible({ timeout: 30_000 });
    await expect(
      card.getByLabel('Arguments of jira:create-issue'),
    ).toContainText(`"summary": "${summary}"`);
    await expect(
      page.getByRole('group', {
        name: 'Tool jira:create-issue: Waiting for your confirmation',
      }),
    ).toBeVisible();
    await expect(page.getByRole('status')).toHaveText(
      'Waiting for your confirmation of jira:create-issue',
    );
    await expectNoSeriousA11yViolations(page, 'a confirmation card');

    await card.getByRole('button', { name: 'Approve' }).click();

    const tool = page.getByRole('group', {
      name: 'Tool jira:create-issue: Succeeded',
    });
    await expect(tool).toBeVisible({ timeout: 30_000 });
    await expect(card).toBeHidden();
    await tool.getByText('Result', { exact: true }).click();
    const result = tool.getByLabel('Result of jira:create-issue');
    await expect(result).toContainText(/"key": "PAY-\d+"/);
    const key = /"key": "(PAY-\d+)"/.exec(
      (await result.textContent()) ?? '',
    )![1];
    // The model's answer after the result streams in
    await expect(
      page
        .getByRole('log', { name: 'Conversation' })
        .getByLabel('The assistant wrote')
        .last(),
    ).toContainText(key);
    await expect(page.getByRole('status')).toHaveText(
      'The assistant answered.',
    );

    // The issue exists in Jira: the entity's Jira tab lists it
    await page.goto('/catalog/default/component/payments-api/jira');
    await expect(page.getByText(summary)).toBeVisible({ timeout: 45_000 });
  });

  test('the side panel on an entity page asks about that entity', async ({
    page,
  }) => {
    await page.goto('/catalog/default/component/payments-api');
    await page.getByRole('button', { name: 'Ask about this service' }).click();
    const panel = page.getByRole('dialog', { name: 'Ask about Payments API' });
    await expect(panel).toContainText(
      'The assistant knows you are asking about component:default/payments-api',
    );
    const box = panel.getByRole('textbox', { name: 'Message the assistant' });
    await expect(box).toBeFocused();
    // The panel continues the latest conversation about the entity, so this is the last turn
    const question = `What can you tell me about this service? ${Date.now()}`;
    await box.fill(question);
    await box.press('Enter');
    await expect(panel.getByLabel('You wrote').last()).toHaveText(question);
    await expect(panel.getByLabel('The assistant wrote').last()).toContainText(
      "This is Comet's demo model",
      { timeout: 30_000 },
    );
    const open = panel.getByRole('link', { name: 'Open in the chat page' });
    await expect(open).toHaveAttribute(
      'href',
      /\/ai-assistant\?conversation=[0-9a-f-]{36}$/,
    );
    await open.click();
    await expect(page).toHaveURL(/\/ai-assistant\?conversation=/);
    await expect(
      page
        .getByRole('list', { name: 'Conversations' })
        .getByRole('button', { name: /component:default\/payments-api/ })
        .first(),
    ).toBeVisible();
  });

  test('the pipeline editor generates a pipeline and opens it for review', async ({
    page,
  }) => {
    await page.goto('/catalog/default/component/payments-api/ci-cd');
    await page.getByRole('button', { name: 'Open editor' }).click();
    await expect(page).toHaveURL(/\/pipelines\/editor\?entityRef=/);
    const editor = page.getByRole('textbox', { name: 'Pipeline YAML' });
    await expect(editor).toHaveValue(/^# Build and test/, { timeout: 30_000 });

    await page.getByRole('button', { name: 'Generate with AI' }).click();
    const dialog = page.getByRole('dialog', {
      name: 'Generate a pipeline with AI',
    });
    await expect(dialog).toBeVisible();
    // A description is required
    await dialog.getByRole('button', { name: 'Generate' }).click();
    await expect(
      dialog.getByText('Say what the pipeline should do'),
    ).toBeVisible();
    await dialog
      .getByRole('textbox', { name: 'Describe the pipeline' })
      .fill('Lint and test with npm on every push');
    await dialog.getByRole('radio', { name: 'A new file' }).check();
    await dialog.getByRole('button', { name: 'Generate' }).click();

    // The demo model writes a pipeline that pipelines:validate-pipeline accepts
    await expect(dialog.getByText(/^Valid pipeline for /)).toBeVisible({
      timeout: 30_000,
    });
    await expectNoSeriousA11yViolations(page, 'the generated pipeline');
    await dialog.getByRole('button', { name: 'Open in editor' }).click();
    await expect(dialog).toBeHidden();
    await expect(editor).toHaveValue(
      /^# Written by Comet's demo model \(no AI\) for: Lint and test with npm/,
    );
    // A new file of the entity, unsaved until the user proposes or saves it
    await expect(page.getByText(/\(new\)/).first()).toBeVisible();
  });
});
