import { expect, Page, test } from '@playwright/test';

/*
 * Jenkins end to end: the portal's backend serves the Jenkins fake (comet.fakes.jenkins) and
 * jenkins.instances points at it (e2e/app-config.e2e.yaml), so the tab talks to a stateful
 * Jenkins over HTTP. Driven with the keyboard where a user would.
 */

async function signIn(page: Page) {
  await page.goto('/');
  await expect(page.getByText('Guest', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Enter' }).click();
  // Signed in (the session is stored) before a test navigates by URL
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
}

async function press(
  page: Page,
  locator: ReturnType<Page['locator']>,
  key = 'Enter',
) {
  await locator.focus();
  await page.keyboard.press(key);
}

async function openJenkinsTab(page: Page, component: string) {
  await page.getByTestId('user-picker-all').click();
  await press(page, page.getByRole('link', { name: component, exact: true }));
  await expect(
    page.getByRole('heading', { name: component }).first(),
  ).toBeVisible();
  const tabs = page.getByRole('navigation', { name: 'Content navigation' });
  await press(page, tabs.getByRole('link', { name: 'Jenkins', exact: true }));
  await expect(page).toHaveURL(/\/jenkins$/);
}

test.describe('Jenkins', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('builds with parameters from the Jenkins tab and follows the console live', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await openJenkinsTab(page, 'Payments API');

    // Jobs on two instances, each with its builds
    const builds = page.getByRole('table', {
      name: 'Builds of payments-api',
      exact: true,
    });
    await expect(builds.getByRole('row')).toHaveCount(11); // header + 10 builds
    await expect(
      page.getByRole('table', {
        name: 'Builds of payments-api-nightly',
        exact: true,
      }),
    ).toBeVisible();
    await expect(page.getByText('instance legacy')).toBeVisible();

    // The trigger dialog is generated from the job's parameter definitions
    await press(
      page,
      page.getByRole('button', { name: 'Build with parameters' }),
    );
    const dialog = page.getByRole('dialog', {
      name: 'Build payments-api with parameters',
    });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('DEPLOY_ENV').focus();
    await dialog.getByLabel('DEPLOY_ENV').selectOption('production');
    await press(page, dialog.getByLabel('DRY_RUN'), 'Space');
    await expect(dialog.getByLabel('DRY_RUN')).not.toBeChecked();
    const branch = dialog.getByLabel('BRANCH');
    await branch.focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('release/e2e');
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();

    // Jenkins queued it, started it, and the tab follows the new build
    const notice = page.getByText(
      /^Build #\d+ of default:payments\/payments-api started$/,
    );
    await expect(notice).toBeVisible();
    const number = Number(/#(\d+)/.exec((await notice.textContent())!)![1]);
    expect(number).toBeGreaterThan(12);
    await expect(
      builds.getByRole('button', { name: `Build ${number}, show details` }),
    ).toBeVisible();
    const details = page.getByRole('region', { name: `Build ${number}` });
    await expect(
      details.getByRole('heading', { name: `Build #${number}` }),
    ).toBeVisible();
    await expect(details.getByLabel('Parameters')).toHaveText(
      'Parameters: BRANCH=release/e2e, DEPLOY_ENV=production, DRY_RUN=false',
    );
    await expect(details.getByRole('list', { name: 'Stages' })).toContainText(
      'Checkout',
    );

    // The console streams while the build runs, then completes
    const console = details.getByLabel(`Console output of build ${number}`);
    await expect(details.getByText('Live: following the build')).toBeVisible();
    await expect(console).toContainText('Started by user comet');
    await expect(console).toContainText('Parameter DEPLOY_ENV=production');
    await expect(console).toContainText('Finished: SUCCESS', {
      timeout: 40_000,
    });
    await expect(details.getByText('Complete')).toBeVisible();
    await expect(details.getByText('Success').first()).toBeVisible();
  });

  test('filters a multibranch job by branch', async ({ page }) => {
    await openJenkinsTab(page, 'Storefront');
    const table = page.getByRole('table', {
      name: 'Builds of storefront-web',
      exact: true,
    });
    await expect(table).toBeVisible();
    await expect(
      table.getByRole('cell', { name: 'PR-42', exact: true }).first(),
    ).toBeVisible();
    await page.getByLabel('Branch').selectOption('feature/checkout');
    await expect(table.getByRole('row')).toHaveCount(5); // header + 4 builds of the branch
    await expect(
      table.getByRole('cell', { name: 'PR-42', exact: true }),
    ).toHaveCount(0);
  });

  test('shows the latest builds on the entity overview', async ({ page }) => {
    await page.getByTestId('user-picker-all').click();
    await page
      .getByRole('link', { name: 'Notification service', exact: true })
      .click();
    // The latest-build card on the overview
    await expect(page.getByText('Latest builds')).toBeVisible();
    const card = page.getByRole('main');
    await expect(
      card.getByRole('link', { name: '#12', exact: true }),
    ).toBeVisible();
    await expect(
      card.getByRole('link', { name: '#12', exact: true }),
    ).toHaveAttribute(
      'href',
      'http://localhost:7107/api/fakes/jenkins/job/storefront/job/notification-service/12/',
    );
  });
});
