import { APIRequestContext, expect, test } from '@playwright/test';

/*
 * GitHub in the portal, against the GitHub fake the e2e backend serves at /api/fakes/github
 * (e2e/app-config.e2e.yaml points integrations.github's github.com at it): payments-api's
 * GitHub tab with its pull request, commits and cycle time, its GitHub Actions runs in the one
 * CI/CD list beside Comet's (re-run from there), and a pipeline change proposed from the editor
 * as a pull request. What GitHub holds afterwards is read from the fake's own REST API.
 */

/** The fake's published demo token (plugins/github-node/src/testUtils), not a secret. */
const GITHUB_FAKE_DEMO_TOKEN = 'ghp_cometFakeDemoToken000000000000000000';
const REPO = '/api/fakes/github/repos/comet-examples/payments-api';

/** A GET of the GitHub fake's REST API, as GitHub's clients call it. */
async function gitHub<T>(request: APIRequestContext, path: string) {
  const response = await request.get(`${REPO}${path}`, {
    headers: { authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}` },
  });
  expect(response.ok(), `GET ${REPO}${path}`).toBe(true);
  return (await response.json()) as T;
}

type FakeWorkflowRun = {
  id: number;
  run_number: number;
  run_attempt: number;
  status: string;
  conclusion: string | null;
};
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

  test('propose a pipeline change as a pull request', async ({ page }) => {
    await page.goto('/catalog/default/component/payments-api/ci-cd');
    // A link styled as a button (MUI gives it the button role)
    await page.getByRole('button', { name: 'Open editor' }).click();
    await expect(page).toHaveURL(/\/pipelines\/editor\?entityRef=/);

    // The editor opens the file on the repository's default branch
    const editor = page.getByRole('textbox', { name: 'Pipeline YAML' });
    await expect(editor).toHaveValue(/^# Build and test/, { timeout: 30_000 });
    const saved = await editor.inputValue();
    expect(saved).toContain('default: spec');
    await editor.fill(saved.replace('default: spec', 'default: tap'));
    await expect(page.getByText(/^Valid: 1 job/)).toBeVisible();

    await page.getByRole('button', { name: 'Propose as pull request' }).click();
    const dialog = page.getByRole('dialog', {
      name: 'Propose as pull request',
    });
    await expect(
      dialog.getByRole('list', { name: 'Files that will change' }),
    ).toHaveText('.comet/pipeline.yaml');
    const title = `Report tests as TAP (e2e ${Date.now()})`;
    await dialog.getByRole('textbox', { name: 'Title' }).fill(title);
    await dialog
      .getByRole('textbox', { name: 'Description' })
      .fill('Proposed by the end-to-end suite.');
    await dialog.getByRole('button', { name: 'Open pull request' }).click();
    const link = dialog.getByRole('link', { name: new RegExp(`^#\\d+ `) });
    await expect(link).toBeVisible({ timeout: 30_000 });
    await expect(link).toContainText(title);
    const href = await link.getAttribute('href');

    // GitHub (the fake) holds the pull request, on a comet/ branch from main
    const pulls = await gitHub<
      Array<{
        number: number;
        title: string;
        body: string | null;
        html_url: string;
        head: { ref: string; sha: string };
        base: { ref: string };
      }>
    >(page.request, '/pulls?state=open&per_page=100');
    const pull = pulls.find(p => p.title === title);
    expect(pull, `an open pull request titled "${title}"`).toBeDefined();
    expect(pull!.html_url).toBe(href);
    expect(pull!.head.ref).toMatch(/^comet\/report-tests-as-tap/);
    expect(pull!.base.ref).toBe('main');
    expect(pull!.body).toBe('Proposed by the end-to-end suite.');
    await expect(dialog.getByText(pull!.head.ref)).toBeVisible();
    // One commit on top of main, made with Comet's credentials: it names the user
    const commits = await gitHub<
      Array<{ sha: string; commit: { message: string } }>
    >(page.request, `/commits?sha=${encodeURIComponent(pull!.head.ref)}`);
    expect(commits[0].sha).toBe(pull!.head.sha);
    expect(commits[0].commit.message).toMatch(
      new RegExp(`^${title.replace(/[()]/g, '\\$&')}\n\nProposed-by: user:`),
    );
  });

  test('re-run a GitHub Actions run from the CI/CD tab', async ({ page }) => {
    // A completed run of the fake's; a portal reused from an earlier run may have re-run one
    const { workflow_runs: before } = await gitHub<{
      workflow_runs: FakeWorkflowRun[];
    }>(page.request, '/actions/runs');
    const completed = before.find(r => r.status === 'completed');
    expect(completed, 'a completed run in the GitHub fake').toBeDefined();

    await page.goto('/catalog/default/component/payments-api/ci-cd');
    const runs = page.getByRole('table', { name: /^Pipeline runs of/ });
    await expect(runs).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: /Provider/ }).click();
    await page.getByRole('option', { name: 'GitHub Actions' }).click();
    const row = runs
      .getByRole('row')
      .filter({ hasText: `CI #${completed!.run_number}` });
    await expect(row).toHaveCount(1, { timeout: 30_000 });
    const rerun = row.getByRole('button', {
      name: `Re-run CI #${completed!.run_number} on GitHub Actions`,
    });
    // From the keyboard, as any button of the list
    await rerun.focus();
    await page.keyboard.press('Enter');

    // The list reloads: the run is queued again, and can now be cancelled instead
    await expect(row.getByText('Queued')).toBeVisible({ timeout: 30_000 });
    await expect(
      row.getByRole('button', {
        name: `Cancel CI #${completed!.run_number} on GitHub Actions`,
      }),
    ).toBeVisible();
    const after = await gitHub<FakeWorkflowRun>(
      page.request,
      `/actions/runs/${completed!.id}`,
    );
    expect(after.status).toBe('queued');
    expect(after.run_attempt).toBe(completed!.run_attempt + 1);
  });
});
