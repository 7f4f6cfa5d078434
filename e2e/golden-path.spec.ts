import { expect, test, type Page } from '@playwright/test';

/**
 * The golden path as a new team lives it: the "Comet service" template on the embedded defaults
 * with the local fakes of Jenkins, SonarQube and Jira, down to the new service's first green
 * run and its delivery-health card; then the Integrations card on an example entity.
 */
test.describe('Golden path', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/');
    await expect(page.getByText('Guest', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Enter' }).click();
    // Signed in (the session is stored) before any test navigates by URL
    await expect(
      page
        .getByRole('navigation', { name: 'sidebar nav' })
        .getByRole('link', { name: 'Catalog', exact: true }),
    ).toBeVisible();
  });

  async function pickFromAutocomplete(page: Page, label: string, text: string) {
    const field = page.getByRole('textbox', { name: label }).first();
    await field.click();
    await field.fill(text);
    await page
      .getByRole('option', { name: new RegExp(text) })
      .first()
      .click();
  }

  test('the comet-service template creates a service whose first run goes green', async ({
    page,
    baseURL,
  }) => {
    test.setTimeout(360_000);
    const port = new URL(baseURL!).port || '80';
    const name = `gp-${Date.now().toString(36)}`;

    await page.goto('/create');
    await expect(page.getByText('Comet service').first()).toBeVisible();
    await page.goto('/create/templates/default/comet-service');

    // Service
    await page.getByRole('textbox', { name: 'Name' }).fill(name);
    await pickFromAutocomplete(page, 'Owner', 'payments-team');
    await page.getByRole('button', { name: 'Next' }).click();
    // Repository: served by this portal (the default)
    await expect(page.getByText('Where the repository lives')).toBeVisible();
    await page.getByRole('button', { name: 'Next' }).click();
    // Integrations
    await page.getByRole('checkbox', { name: 'Jenkins job' }).check();
    await page.getByRole('checkbox', { name: 'SonarQube project' }).check();
    await page
      .getByRole('textbox', { name: 'SonarQube URL for pipeline steps' })
      .fill(`http://host.comet.internal:${port}/api/fakes/sonarqube`);
    await page.getByRole('checkbox', { name: 'Jira component' }).check();
    await page.getByRole('textbox', { name: 'Jira project key' }).fill('PAY');
    await page.getByRole('checkbox', { name: 'Starter browser test' }).check();
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Create' }).click();

    // The task page: every step, then the output's links
    const runLink = page.getByRole('link', { name: 'First pipeline run' });
    await expect(runLink).toBeVisible({ timeout: 180_000 });
    await expect(
      page.getByRole('link', { name: `Jenkins job payments/${name}` }),
    ).toBeVisible();
    await expect(
      page.getByRole('link', {
        name: `SonarQube project comet-examples_payments-${name}`,
      }),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: `Jira component ${name}` }),
    ).toBeVisible();
    await expect(page.getByRole('link', { name: 'Repository' })).toBeVisible();

    // The first run goes green: build, test, SonarQube analysis and gate, browser test
    const runHref = await runLink.getAttribute('href');
    expect(runHref).toMatch(/\/pipelines\/runs\/[0-9a-f-]{36}$/);
    await page.goto(runHref!);
    await expect(page.getByTestId('run-status')).toHaveText('Succeeded', {
      timeout: 180_000,
    });

    // The new entity's overview leads with its delivery health, filled from that run
    await page.goto(`/catalog/default/component/${name}`);
    const health = page.getByRole('table', { name: 'Delivery health' });
    await expect(health).toBeVisible();
    await expect(health.getByText('Succeeded').first()).toBeVisible();
    await expect(health.getByText('100%').first()).toBeVisible();
    // The gate of the analysis the pipeline submitted to the SonarQube fake
    await expect(
      health
        .getByRole('row', { name: /^Quality gate/ })
        .getByRole('link', { name: 'Passed' }),
    ).toBeVisible();
  });

  test('an owner wires an example entity from its Integrations card, as a portal override', async ({
    page,
  }) => {
    // notification-service has no GitHub repository, so a change is a portal-side override;
    // the guest is a member of its owner, storefront-team
    await page.goto('/catalog/default/component/notification-service');
    const wiring = page.getByRole('table', { name: 'Wiring' });
    await expect(
      wiring.getByRole('row', { name: /^Jira component/ }),
    ).toContainText('notifications');
    await page.getByRole('button', { name: 'Edit wiring' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit wiring' });
    const component = dialog.getByLabel('Jira component (jira/component)');
    await component.fill('no-such-component');
    await dialog.getByRole('button', { name: 'Save override' }).click();
    // Checked against the Jira instance: the field says what is wrong
    await expect(dialog.getByText(/no-such-component/).first()).toBeVisible();
    await component.fill('cart');
    await dialog.getByRole('button', { name: 'Save override' }).click();
    await expect(dialog).toBeHidden();
    await expect(
      page.getByText(/^Portal override by user:default\/guest/),
    ).toBeVisible();
    const row = wiring.getByRole('row', { name: /^Jira component/ });
    await expect(row).toContainText('cart');
    await expect(row.getByText('override', { exact: true })).toBeVisible();

    // Removing it puts the catalog's own value back
    await page.getByRole('button', { name: 'Remove override' }).click();
    await expect(page.getByText(/^Portal override by/)).toBeHidden();
    await expect(row).toContainText('notifications');
  });
});
