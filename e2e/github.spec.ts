import { expect, test } from '@playwright/test';

/*
 * GitHub in the portal, against the GitHub fake the e2e backend serves at /api/fakes/github
 * (e2e/app-config.e2e.yaml points integrations.github's github.com at it): payments-api's
 * GitHub tab with its pull request, commits and cycle time, and its GitHub Actions runs in the
 * one CI/CD list beside Comet's.
 */
test.describe('GitHub', () => {
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

  test("a component's GitHub tab shows its pull requests, commits and cycle time", async ({
    page,
  }) => {
    await page.goto('/catalog/default/component/payments-api');
    await page.getByRole('link', { name: 'GitHub', exact: true }).click();
    await expect(page).toHaveURL(/\/component\/payments-api\/github$/);

    const pulls = page.getByRole('region', { name: 'Open pull requests' });
    await expect(pulls.getByRole('link', { name: 'Refunds' })).toBeVisible({
      timeout: 30_000,
    });
    await expect(pulls.getByText(/approved/i)).toBeVisible();

    const commits = page.getByRole('region', { name: 'Recent commits' });
    await expect(commits.getByText('Add the refund endpoint')).toBeVisible();
    await expect(commits.getByText('Initial commit')).toBeVisible();

    await expect(
      page.getByRole('region', { name: 'Cycle time' }),
    ).toBeVisible();
  });

  test('the CI/CD tab lists GitHub Actions runs beside Comet runs', async ({
    page,
  }) => {
    await page.goto('/catalog/default/component/payments-api/ci-cd');
    const runs = page.getByRole('table', { name: /^Pipeline runs of/ });
    await expect(runs).toBeVisible({ timeout: 30_000 });
    // The fake's runs are older than the other providers' newest: filter to GitHub Actions
    await page.getByRole('button', { name: /Provider/ }).click();
    await page.getByRole('option', { name: 'GitHub Actions' }).click();
    const github = runs.getByRole('row').filter({ hasText: 'GitHub Actions' });
    // The fake's three runs of the CI workflow (examples in GitHubFakeState)
    await expect(github).toHaveCount(3, { timeout: 30_000 });
    await expect(github.filter({ hasText: 'feature/refunds' })).toHaveCount(1);
    await expect(
      runs.getByRole('row').filter({ hasText: 'Jenkins' }),
    ).toHaveCount(0);
  });
});
