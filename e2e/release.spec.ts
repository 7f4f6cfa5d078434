import AxeBuilder from '@axe-core/playwright';
import { APIRequestContext, expect, Page, test } from '@playwright/test';

/*
 * The README's release demo: the embedded defaults have one person, the guest, and nobody
 * decides the gate of a run they triggered. So the ledger-worker release is started by the
 * release-bot service principal (app-config.yaml's demo static token) and the guest approves
 * it in the UI; a release the guest starts itself waits for someone else.
 */

/** app-config.yaml's demo token for release-bot: published, refused in production. */
const RELEASE_BOT_TOKEN = 'comet-demo-release-bot-token-not-a-secret';
const bot = { authorization: `Bearer ${RELEASE_BOT_TOKEN}` };

type Run = {
  runId: string;
  status: string;
  trigger: { type: string; actor?: string };
  jobs: Array<{
    jobRunId: string;
    status: string;
    approval?: { environment?: string; decision?: string; decidedBy?: string };
  }>;
};

async function signIn(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Pipelines', exact: true }),
  ).toBeVisible();
}

async function startReleaseAsBot(request: APIRequestContext): Promise<Run> {
  const response = await request.post('/api/pipelines/runs', {
    headers: bot,
    data: {
      entityRef: 'component:default/ledger-worker',
      pipelinePath: '.comet/release.yaml',
    },
  });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

async function getRun(request: APIRequestContext, runId: string) {
  const response = await request.get(`/api/pipelines/runs/${runId}`, {
    headers: bot,
  });
  expect(response.ok(), await response.text()).toBe(true);
  return (await response.json()) as Run;
}

async function expectNoSeriousA11yViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(v =>
    ['serious', 'critical'].includes(v.impact ?? ''),
  );
  expect(
    serious.map(v => ({ id: v.id, impact: v.impact, help: v.help })),
    `axe on ${what}`,
  ).toEqual([]);
}

const runStatus = (page: Page) => page.getByTestId('run-status');
const gate = (page: Page) =>
  page.getByRole('region', { name: 'Approval approve-production' });

test.describe('Release demo', () => {
  test('release-bot starts the ledger-worker release and the guest approves it', async ({
    page,
    request,
  }) => {
    test.setTimeout(240_000);
    const run = await startReleaseAsBot(request);
    expect(run.trigger).toMatchObject({ type: 'manual', actor: 'release-bot' });

    // The bot may start releases, but decides no gate (of its own run least of all)
    await expect
      .poll(async () => (await getRun(request, run.runId)).status, {
        timeout: 150_000,
      })
      .toBe('waiting');
    const botDecision = await request.post(
      `/api/pipelines/runs/${run.runId}/jobs/approve-production/decision`,
      { headers: bot, data: { decision: 'approve' } },
    );
    expect(botDecision.status(), await botDecision.text()).toBe(403);

    await signIn(page);
    await page.goto(`/pipelines/runs/${run.runId}`);
    await expect(page.getByText('by release-bot')).toBeVisible();
    await expect(gate(page)).toBeVisible();
    await expect(gate(page)).toContainText(
      'Release 1.0.0 of the ledger worker to production?',
    );
    await expect(gate(page)).toContainText('Environment: production');
    await expect(runStatus(page)).toHaveText('Waiting');
    await expectNoSeriousA11yViolations(
      page,
      'the run page waiting for approval',
    );
    await gate(page).getByRole('button', { name: 'Approve' }).click();
    await expect(gate(page)).toHaveCount(0);

    // The demo's smoke check fails on purpose after the approved deploy
    await expect(runStatus(page)).toHaveText('Failed', { timeout: 90_000 });
    const failure = page.getByRole('region', { name: 'Failure' });
    await expect(failure).toContainText('Failed at deploy › Smoke check');
    await expect(failure).toContainText(
      'smoke check failed: /healthz answered 503',
    );
    await expect(
      page.getByRole('region', { name: 'Run log' }).getByText('Failing step'),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the page of a failed run');
    const decided = (await getRun(request, run.runId)).jobs.find(
      job => job.jobRunId === 'approve-production',
    );
    expect(decided?.approval).toMatchObject({
      environment: 'production',
      decision: 'approved',
      decidedBy: 'user:default/guest',
    });

    // Re-running the failed deploy reaches the gate again, and now the guest started it
    await page.getByRole('button', { name: 'Re-run failed jobs' }).click();
    await expect(page).not.toHaveURL(new RegExp(run.runId));
    await expect(gate(page)).toBeVisible({ timeout: 60_000 });
    await expect(gate(page)).toContainText(
      'You triggered this run, so someone else among its approvers must decide this gate.',
    );
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect(runStatus(page)).toHaveText('Cancelled', { timeout: 30_000 });
  });

  test('the guest cannot approve a release it started itself', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    await signIn(page);
    await page.goto('/catalog/default/component/ledger-worker');
    await page
      .getByRole('link', { name: 'CI/CD', exact: true })
      .or(page.getByRole('tab', { name: 'CI/CD' }))
      .click();
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run pipeline' });
    await dialog.getByRole('button', { name: /^Pipeline/ }).click();
    await page.getByRole('option', { name: /^release/ }).click();
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page).toHaveURL(/\/pipelines\/runs\/[^/]+$/);
    const runId = page.url().split('/').pop()!;

    await expect(gate(page)).toBeVisible({ timeout: 150_000 });
    await expect(gate(page)).toContainText(
      'You triggered this run, so someone else among its approvers must decide this gate.',
    );
    await expect(gate(page).getByRole('button')).toHaveCount(0);

    // The backend refuses it too, whatever the page shows
    const refused = await page.evaluate(async id => {
      const { backstageIdentity } = await (
        await fetch('/api/auth/guest/refresh?env=development', {
          headers: { 'x-requested-with': 'XMLHttpRequest' },
        })
      ).json();
      const response = await fetch(
        `/api/pipelines/runs/${id}/jobs/approve-production/decision`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${backstageIdentity.token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ decision: 'approve' }),
        },
      );
      return { status: response.status, body: await response.json() };
    }, runId);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      `user:default/guest triggered run ${runId}, so cannot decide its gate approve-production: someone else among its approvers must`,
    );
    await expect(runStatus(page)).toHaveText('Waiting');

    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect(runStatus(page)).toHaveText('Cancelled', { timeout: 30_000 });
  });
});
