import {
  expect,
  test,
  type APIRequestContext,
  type Page,
} from '@playwright/test';

/**
 * The golden path as a new team lives it: the "Comet service" template on the embedded defaults
 * with the local fakes of Jenkins, SonarQube and Jira, down to the new service's first green
 * run and its delivery-health card; a run that stops half-way on a Jira outage and resumes
 * under the same name; a name another entity holds; then the Integrations card on an example
 * entity, as a portal-side override and as a pull request on its GitHub repository.
 */

/** The fake's published demo token (plugins/github-node/src/testUtils), not a secret. */
const GITHUB_FAKE_DEMO_TOKEN = 'ghp_cometFakeDemoToken000000000000000000';

/** The icons of a task's steps (Backstage's StepIcon: MUI's outlined icons), by their path. */
const ERROR_ICON_PATH = /^M11 15h2v2h-2zm0-8h2v6h-2z/;
const COMPLETED_ICON_PATH = /^M16\.59 7\.58L10 14\.17/;
const SKIPPED_ICON_PATH = /^M7 11v2h10v-2H7z/;

/** The Jira fake's simulated outage (packages/backend/src/fakes/FakeOutages.ts). */
const JIRA_OUTAGE = '/api/fakes/control/outages/jira';

type TaskEvent = {
  type: string;
  body: { message?: string; stepId?: string; status?: string };
};

/** The guest's token, as the page holds it, for the portal's own APIs. */
async function guestToken(request: APIRequestContext): Promise<string> {
  const response = await request.get(
    '/api/auth/guest/refresh?env=development',
    { headers: { 'x-requested-with': 'XMLHttpRequest' } },
  );
  expect(response.ok(), await response.text()).toBe(true);
  return (await response.json()).backstageIdentity.token;
}

/** A scaffolder task's events: its log lines and each step's status changes. */
async function taskEvents(
  request: APIRequestContext,
  taskId: string,
): Promise<TaskEvent[]> {
  const response = await request.get(
    `/api/scaffolder/v2/tasks/${taskId}/events`,
    {
      headers: { authorization: `Bearer ${await guestToken(request)}` },
    },
  );
  expect(response.ok(), await response.text()).toBe(true);
  return response.json();
}

/** Each step's last status in a task's events (open steps are absent). */
function stepStatuses(events: TaskEvent[]): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const { body } of events) {
    if (body.stepId && body.status) statuses[body.stepId] = body.status;
  }
  return statuses;
}

/** The log lines of one step. */
function stepLog(events: TaskEvent[], stepId: string): string[] {
  return events
    .filter(e => e.type === 'log' && e.body.stepId === stepId)
    .map(e => e.body.message ?? '');
}

/** The id of the task whose page is open (/create/tasks/<id>). */
async function taskIdOf(page: Page): Promise<string> {
  await expect(page).toHaveURL(/\/create\/tasks\/[0-9a-f-]{36}$/);
  return page.url().split('/').pop()!;
}
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

  /**
   * Fills the comet-service template's form up to its review: owner payments-team, the
   * repository on the portal, and the integrations switched on when `integrations` says so.
   */
  async function fillCometService(
    page: Page,
    options: {
      name: string;
      port: string;
      integrations: boolean;
      /** A repository on GitHub (the GitHub fake) instead of one the portal serves. */
      github?: { owner: string; repo: string };
    },
  ) {
    await page.goto('/create');
    await expect(page.getByText('Comet service').first()).toBeVisible();
    await page.goto('/create/templates/default/comet-service');

    // Service
    await page.getByRole('textbox', { name: 'Name' }).fill(options.name);
    await pickFromAutocomplete(page, 'Owner', 'payments-team');
    await page.getByRole('button', { name: 'Next' }).click();
    // Repository: served by this portal (the default), or on GitHub
    await expect(page.getByText('Where the repository lives')).toBeVisible();
    if (options.github) {
      await page.getByLabel('Where the repository lives').click();
      await page.getByRole('option', { name: /^GitHub/ }).click();
      await page
        .getByRole('textbox', { name: 'Owner' })
        .fill(options.github.owner);
      // The repository field takes a typed name when it loses the focus (autoSelect)
      const repository = page.getByRole('textbox', { name: 'Repository' });
      await repository.fill(options.github.repo);
      await repository.press('Tab');
    }
    await page.getByRole('button', { name: 'Next' }).click();
    // Integrations
    if (options.integrations) {
      await page.getByRole('checkbox', { name: 'Jenkins job' }).check();
      await page.getByRole('checkbox', { name: 'SonarQube project' }).check();
      await page
        .getByRole('textbox', { name: 'SonarQube URL for pipeline steps' })
        .fill(`http://host.comet.internal:${options.port}/api/fakes/sonarqube`);
      await page.getByRole('checkbox', { name: 'Jira component' }).check();
      await page.getByRole('textbox', { name: 'Jira project key' }).fill('PAY');
      await page
        .getByRole('checkbox', { name: 'Starter browser test' })
        .check();
    }
    await page.getByRole('button', { name: 'Review' }).click();
  }

  test('the comet-service template creates a service whose first run goes green', async ({
    page,
    baseURL,
  }) => {
    test.setTimeout(360_000);
    const port = new URL(baseURL!).port || '80';
    const name = `gp-${Date.now().toString(36)}`;

    await fillCometService(page, { name, port, integrations: true });
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

  test('the template publishes to GitHub (the fake), and that repository runs green', async ({
    page,
    baseURL,
  }) => {
    test.setTimeout(360_000);
    const port = new URL(baseURL!).port || '80';
    const name = `gp-gh-${Date.now().toString(36)}`;

    await fillCometService(page, {
      name,
      port,
      integrations: false,
      github: { owner: 'comet-examples', repo: name },
    });
    await page.getByRole('button', { name: 'Create' }).click();
    const taskId = await taskIdOf(page);
    const runLink = page.getByRole('link', { name: 'First pipeline run' });
    await expect(runLink).toBeVisible({ timeout: 180_000 });
    // The repository link goes to its page on GitHub, not to the portal
    await expect(
      page.getByRole('link', { name: 'Repository' }),
    ).toHaveAttribute(
      'href',
      `https://github.com/comet-examples/${name}/blob/main`,
    );
    const events = await taskEvents(page.request, taskId);
    expect(stepStatuses(events)).toMatchObject({
      check: 'completed',
      'publish-github': 'completed',
      'publish-portal': 'skipped',
      register: 'completed',
      trigger: 'completed',
    });

    // GitHub (the fake) has the private repository with the skeleton pushed to main
    const headers = { authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}` };
    const repo = `/api/fakes/github/repos/comet-examples/${name}`;
    const repoResponse = await page.request.get(repo, { headers });
    expect(repoResponse.ok(), await repoResponse.text()).toBe(true);
    expect(await repoResponse.json()).toMatchObject({
      private: true,
      default_branch: 'main',
      // The entity's topic, which a re-run adopts the repository by
      topics: [expect.stringMatching(/^comet-entity-[0-9a-f]{16}$/)],
    });
    const file = await page.request.get(
      `${repo}/contents/catalog-info.yaml?ref=main`,
      { headers: { ...headers, accept: 'application/vnd.github.v3.raw' } },
    );
    expect(file.ok(), await file.text()).toBe(true);
    const catalogInfo = await file.text();
    expect(catalogInfo).toContain(
      `backstage.io/source-location: url:https://github.com/comet-examples/${name}/tree/main/`,
    );
    expect(catalogInfo).toContain(
      `github.com/project-slug: comet-examples/${name}`,
    );

    // The first run checks the repository out of GitHub and goes green
    await page.goto((await runLink.getAttribute('href'))!);
    await expect(page.getByTestId('run-status')).toHaveText('Succeeded', {
      timeout: 180_000,
    });
    // The entity's GitHub tab reads the same repository
    await page.goto(`/catalog/default/component/${name}`);
    await expect(
      page.getByText(`comet-examples/${name}`).first(),
    ).toBeVisible();

    // The same answers again: the repository has the entity's topic and the entity is
    // registered from it, so the run resumes without publishing or registering again
    await fillCometService(page, {
      name,
      port,
      integrations: false,
      github: { owner: 'comet-examples', repo: name },
    });
    await page.getByRole('button', { name: 'Create' }).click();
    const againId = await taskIdOf(page);
    await expect(
      page.getByRole('link', { name: 'First pipeline run' }),
    ).toBeVisible({ timeout: 180_000 });
    await expect(
      page.getByText(/had already started: what it created was adopted/),
    ).toBeVisible();
    const again = await taskEvents(page.request, againId);
    expect(stepStatuses(again)).toMatchObject({
      check: 'completed',
      'publish-github': 'skipped',
      register: 'skipped',
      trigger: 'completed',
    });
    expect(stepLog(again, 'check').join('\n')).toContain(
      `Adopted repository comet-examples/${name}: https://github.com/comet-examples/${name}`,
    );
  });

  test('a run that stopped on a Jira outage resumes when run again with the same name', async ({
    page,
    baseURL,
  }) => {
    test.setTimeout(420_000);
    const port = new URL(baseURL!).port || '80';
    const name = `gp-resume-${Date.now().toString(36)}`;
    const projectKey = `comet-examples_payments-${name}`;

    await fillCometService(page, { name, port, integrations: true });
    // Jira goes down for this run: every call to the Jira fake answers 503
    const outage = await page.request.put(JIRA_OUTAGE, { data: {} });
    expect(outage.ok(), await outage.text()).toBe(true);
    let firstTaskId: string;
    try {
      await page.getByRole('button', { name: 'Create' }).click();
      firstTaskId = await taskIdOf(page);
      // The task page says why it stopped, naming the Jira instance and the call
      await expect(
        page
          .getByText(
            /Jira instance "default" is unavailable \(503 on [A-Z]+ \/rest\/api\/3\//,
          )
          .first(),
      ).toBeVisible({ timeout: 180_000 });
    } finally {
      const restored = await page.request.delete(JIRA_OUTAGE);
      expect(restored.ok(), await restored.text()).toBe(true);
    }
    // The stepper marks the Jira step failed (MUI's ErrorOutline icon, as Backstage's
    // StepIcon draws it) and the steps after it skipped; no run is linked
    const stepIcon = (step: string) =>
      page
        .getByTestId('step-label')
        .filter({ hasText: step })
        .locator('svg path');
    await expect(stepIcon('Create the Jira component')).toHaveAttribute(
      'd',
      ERROR_ICON_PATH,
    );
    await expect(stepIcon('Create the SonarQube project')).toHaveAttribute(
      'd',
      COMPLETED_ICON_PATH,
    );
    await expect(stepIcon('Register in the catalog')).toHaveAttribute(
      'd',
      SKIPPED_ICON_PATH,
    );
    await expect(
      page.getByRole('link', { name: 'First pipeline run' }),
    ).toHaveCount(0);
    // What the task itself recorded: the resources before Jira were created, Jira failed,
    // nothing after it ran
    const first = await taskEvents(page.request, firstTaskId);
    expect(stepStatuses(first)).toMatchObject({
      check: 'completed',
      'publish-portal': 'completed',
      jenkins: 'completed',
      sonarqube: 'completed',
      jira: 'failed',
      // The steps after a failure are skipped
      register: 'skipped',
      'starter-test': 'skipped',
      trigger: 'skipped',
    });
    const jiraLog = stepLog(first, 'jira').join('\n');
    expect(jiraLog).toMatch(/Jira instance "default" is unavailable \(503/);
    // The error lists what the run had created before it, and how to resume
    expect(jiraLog).toContain('Already created by this run:');
    expect(jiraLog).toContain(`- repository ${name} (`);
    expect(jiraLog).toContain(`- Jenkins job payments/${name} (`);
    expect(jiraLog).toContain(`- SonarQube project ${projectKey} (`);
    expect(jiraLog).toContain(
      'Run the template again with the same name to resume: it adopts these.',
    );

    // Jira is back: start over with the same answers (the form keeps them)
    await page.getByTestId('start-over-button').click();
    await expect(page.getByRole('textbox', { name: 'Name' })).toHaveValue(name);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('Where the repository lives')).toBeVisible();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(
      page.getByRole('checkbox', { name: 'Jira component' }),
    ).toBeChecked();
    await expect(
      page.getByRole('textbox', { name: 'Jira project key' }),
    ).toHaveValue('PAY');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Create' }).click();
    const secondTaskId = await taskIdOf(page);
    expect(secondTaskId).not.toBe(firstTaskId!);

    const runLink = page.getByRole('link', { name: 'First pipeline run' });
    await expect(runLink).toBeVisible({ timeout: 180_000 });
    await expect(
      page.getByRole('link', { name: `Jenkins job payments/${name}` }),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: `SonarQube project ${projectKey}` }),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: `Jira component ${name}` }),
    ).toBeVisible();
    // The output says it resumed
    await expect(
      page.getByText(/had already started: what it created was adopted/),
    ).toBeVisible();

    // The log: the check saw the earlier run, each resource of it was adopted, Jira created
    const second = await taskEvents(page.request, secondTaskId);
    expect(stepStatuses(second)).toMatchObject({
      check: 'completed',
      'publish-portal': 'completed',
      jenkins: 'completed',
      sonarqube: 'completed',
      jira: 'completed',
      register: 'completed',
      trigger: 'completed',
    });
    expect(stepLog(second, 'check').join('\n')).toContain(
      `${name}: resuming the earlier run of this template (repository created, entity not registered yet)`,
    );
    expect(stepLog(second, 'publish-portal').join('\n')).toMatch(
      new RegExp(`Resumed ${name}\\.git of component:default/${name}`),
    );
    // Each adopted resource: why it is this entity's (its tag), then the line that lists it
    const jenkinsLog = stepLog(second, 'jenkins').join('\n');
    expect(jenkinsLog).toContain(
      `The Jenkins job payments/${name} on instance "default" (tagged with component:default/${name}) exists; adopting it as it is, nothing changed`,
    );
    expect(jenkinsLog).toMatch(
      new RegExp(
        `Adopted Jenkins job payments/${name}: http://localhost:${port}/api/fakes/jenkins/job/payments/job/${name}/`,
      ),
    );
    const sonarLog = stepLog(second, 'sonarqube').join('\n');
    expect(sonarLog).toMatch(
      new RegExp(`${projectKey}.*\\(tagged with component:default/${name},`),
    );
    expect(sonarLog).toContain(`Adopted SonarQube project ${projectKey}: `);
    expect(stepLog(second, 'jira').join('\n')).toContain(
      `Created Jira component ${name}: `,
    );

    // The first run of the resumed service goes green too
    const runHref = await runLink.getAttribute('href');
    expect(runHref).toMatch(/\/pipelines\/runs\/[0-9a-f-]{36}$/);
    await page.goto(runHref!);
    await expect(page.getByTestId('run-status')).toHaveText('Succeeded', {
      timeout: 180_000,
    });
  });

  test('a name another entity holds is a conflict, and nothing is created', async ({
    page,
    baseURL,
  }) => {
    const port = new URL(baseURL!).port || '80';
    // payments-api is an example entity, registered from a file of this repository
    await fillCometService(page, {
      name: 'payments-api',
      port,
      integrations: false,
    });
    await page.getByRole('button', { name: 'Create' }).click();
    const taskId = await taskIdOf(page);
    await expect(
      page
        .getByText(
          /component:default\/payments-api already exists in the catalog \(from .+\); pick another name/,
        )
        .first(),
    ).toBeVisible({ timeout: 60_000 });
    const events = await taskEvents(page.request, taskId);
    // The check refused it: every later step was skipped, so no repository was created
    expect(stepStatuses(events)).toMatchObject({
      check: 'failed',
      fetch: 'skipped',
      'publish-portal': 'skipped',
      register: 'skipped',
      trigger: 'skipped',
    });
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

  test('an owner wires an example entity hosted on GitHub from its Integrations card, as a pull request', async ({
    page,
  }) => {
    // payments-api has github.com/project-slug comet-examples/payments-api, which the GitHub
    // fake holds with its catalog-info.yaml; the guest is a member of its owner, payments-team
    await page.goto('/catalog/default/component/payments-api');
    const wiring = page.getByRole('table', { name: 'Wiring' });
    const row = wiring.getByRole('row', { name: /^Jira component/ });
    await expect(row).toContainText('payments-api');
    await expect(
      page.getByText(/^Changes are saved as a portal-side override/),
    ).toHaveCount(0);
    await page.getByRole('button', { name: 'Edit wiring' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit wiring' });
    await expect(
      dialog.getByRole('button', { name: 'Save override' }),
    ).toHaveCount(0);
    // Another of the PAY project's components in the Jira fake
    await dialog.getByLabel('Jira component (jira/component)').fill('refunds');
    await dialog.getByRole('button', { name: 'Open pull request' }).click();
    await expect(dialog).toBeHidden({ timeout: 30_000 });

    // The card links the pull request; the catalog keeps its value until it is merged
    const notice = page
      .getByRole('alert')
      .filter({ hasText: 'Pull request opened:' });
    const link = notice.getByRole('link', {
      name: /^https:\/\/github\.com\/comet-examples\/payments-api\/pull\/\d+$/,
    });
    await expect(link).toBeVisible();
    const href = (await link.getAttribute('href'))!;
    const number = Number(href.split('/').pop());
    await expect(row).toContainText('payments-api');
    await expect(row.getByText('override', { exact: true })).toHaveCount(0);

    // GitHub (the fake) holds it: a branch from main whose catalog-info.yaml has the new value
    const repo = '/api/fakes/github/repos/comet-examples/payments-api';
    const headers = { authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}` };
    const pullResponse = await page.request.get(`${repo}/pulls/${number}`, {
      headers,
    });
    expect(pullResponse.ok(), await pullResponse.text()).toBe(true);
    const pull = (await pullResponse.json()) as {
      html_url: string;
      state: string;
      title: string;
      body: string;
      head: { ref: string };
      base: { ref: string };
    };
    expect(pull.html_url).toBe(href);
    expect(pull.state).toBe('open');
    expect(pull.title).toBe('Wire payments-api to jira/component');
    expect(pull.body).toBe(
      "Proposed from Comet's Integrations card by user:default/guest.",
    );
    expect(pull.head.ref).toMatch(/^comet\/wiring-payments-api-/);
    expect(pull.base.ref).toBe('main');
    const fileAt = async (ref: string) => {
      const response = await page.request.get(
        `${repo}/contents/catalog-info.yaml?ref=${encodeURIComponent(ref)}`,
        { headers },
      );
      expect(response.ok(), await response.text()).toBe(true);
      const { content } = (await response.json()) as { content: string };
      return Buffer.from(content, 'base64').toString('utf8');
    };
    const proposed = await fileAt(pull.head.ref);
    const current = await fileAt('main');
    expect(current).toContain('    jira/component: payments-api\n');
    // Only that annotation changed; the rest of the file (comments included) stays
    expect(proposed).toBe(
      current.replace(
        '    jira/component: payments-api\n',
        '    jira/component: refunds\n',
      ),
    );
  });
});
