import { expect, test } from '@playwright/test';

/*
 * Comet runs reported to GitHub: a run of payments-api (whose github.com/project-slug is
 * comet-examples/payments-api) sets the commit status `comet/build-and-test` on the GitHub fake
 * (the e2e backend serves it at /api/fakes/github and takes the example repositories' commits),
 * pending while it runs and success when it passed, linking back to the run's page.
 */
const GITHUB_FAKE_DEMO_TOKEN = 'ghp_cometFakeDemoToken000000000000000000';
const REPO = '/api/fakes/github/repos/comet-examples/payments-api';

test('a Comet run of an example sets its commit status on GitHub', async ({
  page,
}) => {
  test.setTimeout(180_000);
  // The commit a manual run builds: the head of main in the example repository
  const refs = await page.request.get(
    '/api/example-repos/payments-api.git/info/refs?service=git-upload-pack',
  );
  expect(refs.ok()).toBe(true);
  const sha = /([0-9a-f]{40}) refs\/heads\/main/.exec(await refs.text())?.[1];
  expect(sha).toBeDefined();

  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
  await page.goto('/catalog/default/component/payments-api/ci-cd');
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run pipeline' });
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/pipelines\/runs\/[^/]+$/);
  const runId = new URL(page.url()).pathname.split('/').pop()!;
  await expect(page.getByText(sha!.slice(0, 7)).first()).toBeVisible();
  await expect(page.getByTestId('run-status')).toHaveText(/succeeded/i, {
    timeout: 150_000,
  });

  // The reporter delivers from the run-event outbox: wait for the final status to arrive
  await expect
    .poll(
      async () => {
        const res = await page.request.get(`${REPO}/commits/${sha}/status`, {
          headers: { authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}` },
        });
        if (!res.ok()) return `HTTP ${res.status()}`;
        const { statuses } = (await res.json()) as {
          statuses: Array<{
            context: string;
            state: string;
            target_url: string;
          }>;
        };
        return statuses
          .filter(s => s.target_url.endsWith(`/pipelines/runs/${runId}`))
          .map(s => `${s.context}:${s.state}`);
      },
      { timeout: 60_000 },
    )
    .toContain('comet/build-and-test:success');
});
