import AxeBuilder from '@axe-core/playwright';
import {
  APIRequestContext,
  expect,
  Locator,
  Page,
  test,
} from '@playwright/test';

/*
 * "Explain this failure" end to end: the offline analysis of a failed Comet run (the release
 * demo's smoke check, as e2e/release.spec.ts produces it), of a failed Jenkins build and of a
 * failed GitHub Actions run in the CI/CD list, against the fakes the e2e portal serves
 * (e2e/app-config.e2e.yaml). The GitHub Actions run is the GitHub fake's run 102 of
 * comet-examples/payments-api, whose failed job `test` has a Jest failure in its log
 * (GitHubFakeState's example): the analysis reads it through github:get-job-log.
 */

/** app-config.yaml's demo token for release-bot: published, refused in production. */
const RELEASE_BOT_TOKEN = 'comet-demo-release-bot-token-not-a-secret';
const bot = { authorization: `Bearer ${RELEASE_BOT_TOKEN}` };

type Explanation = {
  category: string;
  summary: string;
  run: { kind: string; failedStep?: string };
  log?: { source: string };
  firstErrorLines: Array<{ line: number; text: string }>;
  unread: Array<{ what: string; reason: string }>;
};

async function signIn(page: Page) {
  await page.goto('/');
  await expect(page.getByText('Guest', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
}

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

async function runStatusOf(request: APIRequestContext, runId: string) {
  const response = await request.get(`/api/pipelines/runs/${runId}`, {
    headers: bot,
  });
  expect(response.ok(), await response.text()).toBe(true);
  return ((await response.json()) as { status: string }).status;
}

/** The guest's decision on a gate, with the guest's own token (as the page holds it). */
async function approveAsGuest(page: Page, runId: string, jobRunId: string) {
  const answer = await page.evaluate(
    async ({ id, job }) => {
      const { backstageIdentity } = await (
        await fetch('/api/auth/guest/refresh?env=development', {
          headers: { 'x-requested-with': 'XMLHttpRequest' },
        })
      ).json();
      const response = await fetch(
        `/api/pipelines/runs/${id}/jobs/${job}/decision`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${backstageIdentity.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ decision: 'approve' }),
        },
      );
      return { status: response.status, body: await response.text() };
    },
    { id: runId, job: jobRunId },
  );
  expect(answer.status, answer.body).toBeLessThan(300);
}

/**
 * Clicks `button`, waits for the explanation the dialog asked for, and returns the dialog and
 * what the backend answered (to check the dialog shows exactly that).
 */
async function explain(page: Page, button: Locator) {
  const answered = page.waitForResponse(
    response =>
      response.url().endsWith('/api/ai-assistant/explain') &&
      response.request().method() === 'POST',
    { timeout: 60_000 },
  );
  await button.click();
  const dialog = page.getByRole('dialog', { name: /^Why did .+ fail\?$/ });
  await expect(dialog).toBeVisible();
  const response = await answered;
  expect(response.status(), await response.text()).toBe(200);
  const explanation = (await response.json()) as Explanation;
  await expect(
    dialog.getByText(`Category: ${explanation.category}`, { exact: true }),
  ).toBeVisible();
  await expect(
    dialog.getByText(explanation.summary, { exact: true }),
  ).toBeVisible();
  return { dialog, explanation };
}

test.describe('Explain this failure', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test("a failed Comet run's page explains it offline: category, summary, first error lines", async ({
    page,
    request,
  }) => {
    test.setTimeout(300_000);
    // The release demo: release-bot starts it, the guest approves, the smoke check fails
    const started = await request.post('/api/pipelines/runs', {
      headers: bot,
      data: {
        entityRef: 'component:default/ledger-worker',
        pipelinePath: '.comet/release.yaml',
      },
    });
    expect(started.status(), await started.text()).toBe(201);
    const { runId } = (await started.json()) as { runId: string };
    await expect
      .poll(() => runStatusOf(request, runId), { timeout: 150_000 })
      .toBe('waiting');
    await approveAsGuest(page, runId, 'approve-production');
    await expect
      .poll(() => runStatusOf(request, runId), { timeout: 120_000 })
      .toBe('failed');

    await page.goto(`/pipelines/runs/${runId}`);
    await expect(page.getByTestId('run-status')).toHaveText('Failed');
    const { dialog, explanation } = await explain(
      page,
      page.getByRole('button', { name: /^Explain this failure of / }),
    );
    expect(explanation.run).toMatchObject({
      kind: 'comet',
      failedStep: 'deploy › Smoke check',
    });
    await expect(
      dialog.getByText('Failed: deploy › Smoke check', { exact: true }),
    ).toBeVisible();
    await expect(
      dialog.getByText('Exit code 1', { exact: true }),
    ).toBeVisible();
    await expect(dialog.getByLabel('First error lines')).toContainText(
      'smoke check failed: /healthz answered 503',
    );
    await expectNoSeriousA11yViolations(page, 'an explained Comet run');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });

  test('the CI/CD list explains a failed Jenkins build and a failed GitHub Actions run', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    await page.goto('/catalog/default/component/payments-api/ci-cd');
    const runs = page.getByRole('table', { name: /^Pipeline runs of/ });
    await expect(runs).toBeVisible({ timeout: 30_000 });

    // Jenkins: the fake's seeded builds of payments/payments-api include failed ones
    await page.getByRole('button', { name: /Provider/ }).click();
    await page.getByRole('option', { name: 'Jenkins' }).click();
    const jenkinsButton = runs
      .getByRole('row')
      .filter({ hasText: 'Jenkins' })
      .getByRole('button', { name: /^Explain this failure of / })
      .first();
    await expect(jenkinsButton).toBeVisible({ timeout: 30_000 });
    const jenkins = await explain(page, jenkinsButton);
    expect(jenkins.explanation.run.kind).toBe('jenkins');
    expect(jenkins.explanation.log?.source).toMatch(/^the console of build #/);
    expect(
      jenkins.explanation.unread.filter(u => u.what.includes('console')),
    ).toEqual([]);
    if (jenkins.explanation.firstErrorLines.length > 0) {
      await expect(
        jenkins.dialog.getByLabel('First error lines'),
      ).toContainText(jenkins.explanation.firstErrorLines[0].text);
    }
    await jenkins.dialog.getByRole('button', { name: 'Close' }).click();
    await expect(jenkins.dialog).toBeHidden();

    // GitHub Actions: run 102 of the fake, whose job `test` failed at its step Test
    await page.getByRole('button', { name: /Provider/ }).click();
    await page.getByRole('option', { name: 'GitHub Actions' }).click();
    const githubButton = runs
      .getByRole('row')
      .filter({ hasText: 'GitHub Actions' })
      .filter({ hasText: 'feature/refunds' })
      .getByRole('button', { name: /^Explain this failure of / });
    await expect(githubButton).toBeVisible({ timeout: 30_000 });
    const github = await explain(page, githubButton);
    expect(github.explanation).toMatchObject({
      category: 'test-failure',
      run: { kind: 'github', failedStep: 'test › Test' },
      log: {
        source: expect.stringMatching(/^the log of job test \(\d+ lines\)$/),
      },
    });
    // The job log was read (evidence for the model may be noted as unread, not the log)
    expect(
      github.explanation.unread.filter(u => /job|log/.test(u.what)),
    ).toEqual([]);
    await expect(
      github.dialog.getByText('Category: test-failure', { exact: true }),
    ).toBeVisible();
    await expect(
      github.dialog.getByText('Failed: test › Test', { exact: true }),
    ).toBeVisible();
    expect(github.explanation.summary).toContain('src/refund.test.ts');
    // The job's own lines, without GitHub's timestamps
    const firstError = github.dialog.getByLabel('First error lines');
    await expect(firstError).toContainText('FAIL src/refund.test.ts');
    await expect(firstError).not.toContainText('2026-01-01T09:00');
    await expect(github.dialog).not.toContainText('the job logs of');
    await expectNoSeriousA11yViolations(
      page,
      'an explained GitHub Actions run',
    );
  });
});
