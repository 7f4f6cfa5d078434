import { expect, test } from '@playwright/test';

test.describe('Comet portal', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/');
    await expect(page.getByText('Guest', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Enter' }).click();
  });

  test('a guest signs in and lands on the catalog', async ({ page }) => {
    await expect(page).toHaveTitle(/^Comet/);
    const nav = page.getByRole('navigation', { name: 'sidebar nav' });
    await expect(
      nav.getByRole('link', { name: 'Catalog', exact: true }),
    ).toBeVisible();
    await expect(
      nav.getByRole('link', { name: 'APIs', exact: true }),
    ).toBeVisible();
    await expect(
      nav.getByRole('link', { name: 'Create', exact: true }),
    ).toBeVisible();
    // The guest belongs to storefront-team, so "Owned" lists its components
    await expect(
      page.getByRole('heading', { level: 2, name: /^Owned Components/ }),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'Storefront', exact: true }),
    ).toBeVisible();
  });

  test('every example component is in the catalog', async ({ page }) => {
    await page.getByTestId('user-picker-all').click();
    const table = page.getByRole('table');
    for (const title of [
      'Payments API',
      'Ledger worker',
      'Product catalogue',
      'Storefront',
      'Notification service',
      'Comet',
    ]) {
      await expect(
        table.getByRole('link', { name: title, exact: true }),
      ).toBeVisible();
    }
  });

  test("a component's page shows its owner, system and APIs", async ({
    page,
  }) => {
    await page.getByTestId('user-picker-all').click();
    await page.getByRole('link', { name: 'Payments API', exact: true }).click();
    await expect(page).toHaveURL(/\/catalog\/default\/component\/payments-api/);
    await expect(
      page.getByRole('heading', { name: 'Payments API' }).first(),
    ).toBeVisible();
    await expect(
      page.getByText('Captures card payments and issues refunds').first(),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'payments-team' }).first(),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'Payments REST API' }),
    ).toBeVisible();
  });

  test('a catalog error shows in the error view', async ({ page }) => {
    const nav = page.getByRole('navigation', { name: 'sidebar nav' });
    await nav.getByRole('link', { name: 'Unprocessed Entities' }).click();
    await expect(page).toHaveURL(/catalog-unprocessed-entities/);
    // An entity that fails validation never gets processed, so it waits under "Pending"
    // with its error.
    await page.getByRole('tab', { name: 'Pending' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Component' });
    await expect(row).toHaveCount(1);
    await row.getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await expect(
      dialog.getByText(/e2e-invalid-component/).first(),
    ).toBeVisible();
  });
});
