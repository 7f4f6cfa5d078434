import { expect, test } from '@playwright/test';

/*
 * Jira in the portal, against the Jira fake the e2e backend serves at /api/fakes/jira
 * (e2e/app-config.e2e.yaml): an example component's Jira tab with its counts, issues and
 * sprint, then an issue created from the dialog that the table then lists.
 */
test.describe('Jira', () => {
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

  test("a component's Jira tab shows its issues and sprint, and creates an issue", async ({
    page,
  }) => {
    await page.goto('/catalog/default/component/payments-api/jira');
    const table = page.getByRole('table', { name: 'Jira issues' });
    await expect(
      table
        .getByRole('link', { name: /^PAY-\d+ in Jira \(opens in a new tab\)/ })
        .first(),
    ).toBeVisible({
      timeout: 45_000,
    });
    await expect(page.getByText('PAY Sprint 23')).toBeVisible();

    const summary = `Refunds are applied twice ${Date.now()}`;
    await page.getByRole('button', { name: 'Create issue' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create Jira issue' });
    // The first field has the focus: the issue type
    await expect(
      dialog.getByRole('button', { name: /Issue type/ }),
    ).toBeFocused({
      timeout: 15_000,
    });
    await dialog.getByRole('button', { name: /Issue type/ }).click();
    await page.getByRole('option', { name: 'Bug', exact: true }).click();
    await dialog.getByLabel('Summary').fill(summary);
    await dialog.getByLabel('Description').fill('Seen in **production**');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    const created = page
      .getByRole('status')
      .getByRole('link', { name: /^PAY-\d+$/ });
    await expect(created).toBeVisible();
    const key = await created.textContent();
    await expect(
      table.getByRole('link', { name: `${key} in Jira (opens in a new tab)` }),
    ).toBeVisible();
    await expect(table.getByText(summary)).toBeVisible();
  });

  test('a run links the issue its commit names; the Jira tab shows the run, and the issue takes a comment', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    // The payments-api example's commit message starts with PAY-1 (examples/projects/payments-api)
    await page.goto('/catalog/default/component/payments-api/ci-cd');
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    const runDialog = page.getByRole('dialog', { name: 'Run pipeline' });
    await runDialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page).toHaveURL(/\/pipelines\/runs\/[^/]+$/);
    const runPath = new URL(page.url()).pathname;
    await expect(page.getByTestId('run-status')).toHaveText(
      /succeeded|failed/i,
      {
        timeout: 180_000,
      },
    );
    await page.reload();
    const issueLink = page.getByRole('link', {
      name: 'PAY-1: 3-D Secure 2 for card payments',
    });
    await expect(issueLink).toBeVisible({ timeout: 30_000 });
    await expect(issueLink).toHaveAttribute(
      'href',
      /\/api\/fakes\/jira\/browse\/PAY-1$/,
    );

    await page.goto('/catalog/default/component/payments-api/jira');
    const jql = page.getByLabel('JQL');
    await jql.fill('key = PAY-1');
    await jql.press('Enter');
    const table = page.getByRole('table', { name: 'Jira issues' });
    const runLink = table.getByRole('link', { name: /^build-and-test #\d+$/ });
    await expect(runLink).toBeVisible({ timeout: 45_000 });
    await expect(runLink).toHaveAttribute('href', runPath);

    // The issue's dialog, from the keyboard: focus the key, Enter
    await table.getByRole('button', { name: 'PAY-1', exact: true }).focus();
    await page.keyboard.press('Enter');
    const issue = page.getByRole('dialog', { name: /PAY-1/ });
    await expect(issue).toBeVisible();
    const comment = `Checked in the portal ${Date.now()}`;
    await issue.getByRole('textbox', { name: 'Comment' }).fill(comment);
    await issue.getByRole('button', { name: 'Add comment' }).click();
    await expect(issue.getByText(comment)).toBeVisible({ timeout: 30_000 });
    await page.keyboard.press('Escape');
    await expect(issue).toBeHidden();
  });

  test('a bad JQL filter shows Jira’s own message', async ({ page }) => {
    await page.goto('/catalog/default/component/payments-api/jira');
    const jql = page.getByLabel('JQL');
    await jql.fill('status = = x');
    await jql.press('Enter');
    await expect(
      page.getByText(/JQL/).filter({ hasText: /Error in the JQL Query/ }),
    ).toBeVisible({
      timeout: 30_000,
    });
  });
});
