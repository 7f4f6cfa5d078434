import { renderInTestApp } from '@backstage/frontend-test-utils';
import type {
  AiGeneratedTestSuite,
  AiGenerateTestSuiteRequest,
  AiTestSuiteProgressEvent,
} from '@internal/plugin-ai-assistant-common';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  type GenerateTestSuiteApi,
  GenerateTestSuiteApiError,
  generateTestSuiteApiRef,
} from './api';
import { GenerateSuiteAction } from './GenerateSuiteAction';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

const ENTITY = 'component:default/storefront-web';

/** A fake whose generation the test finishes when it wants, after sending progress. */
function fakeApi() {
  const requests: AiGenerateTestSuiteRequest[] = [];
  let progress: (event: AiTestSuiteProgressEvent) => void = () => {};
  let finish: (result: AiGeneratedTestSuite) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const api: GenerateTestSuiteApi = {
    generateTestSuite: (request, onProgress) => {
      requests.push(request);
      progress = onProgress;
      return new Promise((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
    },
  };
  return {
    api,
    requests,
    progress: (event: AiTestSuiteProgressEvent) => progress(event),
    finish: (result: AiGeneratedTestSuite) => finish(result),
    fail: (error: Error) => fail(error),
  };
}

async function openDialog(
  fake: ReturnType<typeof fakeApi>,
  changed = jest.fn(),
) {
  await renderInTestApp(
    <GenerateSuiteAction
      entityRef={ENTITY}
      suiteNames={['storefront-checkout']}
      onSuitesChanged={changed}
    />,
    { apis: [[generateTestSuiteApiRef, fake.api]] },
  );
  await userEvent.click(
    await screen.findByRole('button', { name: 'Generate suite with AI' }),
  );
  return screen.findByRole('dialog', { name: 'Generate a test suite with AI' });
}

describe('Generate suite with AI', () => {
  it('sends the journey, shows each step while it runs and links the suite and run', async () => {
    const fake = fakeApi();
    const changed = jest.fn();
    const dialog = within(await openDialog(fake, changed));
    await userEvent.type(
      dialog.getByRole('textbox', { name: /User journey/ }),
      'Open the cart and pay',
    );
    await userEvent.type(
      dialog.getByRole('textbox', { name: /Base URL/ }),
      'http://127.0.0.1:4173',
    );
    await userEvent.type(
      dialog.getByRole('textbox', { name: /Suite name/ }),
      'storefront-checkout',
    );
    expect(
      dialog.getByText(
        'storefront-checkout exists: a new version of it is saved',
      ),
    ).toBeInTheDocument();
    await userEvent.click(dialog.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(fake.requests).toHaveLength(1));
    expect(fake.requests[0]).toEqual({
      description: 'Open the cart and pay',
      entityRef: ENTITY,
      baseUrl: 'http://127.0.0.1:4173',
      suiteName: 'storefront-checkout',
    });
    expect(dialog.getByRole('status')).toHaveTextContent('Generating…');
    fake.progress({ type: 'attempt', attempt: 1, maxAttempts: 4 });
    fake.progress({ type: 'saved', attempt: 1, version: 4 });
    fake.progress({ type: 'running', attempt: 1, runId: 'run-7' });
    fake.progress({
      type: 'run-finished',
      attempt: 1,
      runId: 'run-7',
      status: 'failed',
    });
    fake.progress({
      type: 'repairing',
      attempt: 1,
      problems: ['Checkout, step s4: locator.click: Timeout 5000ms exceeded'],
    });
    const list = await dialog.findByRole('list', { name: 'Progress' });
    await waitFor(() =>
      expect(
        within(list)
          .getAllByRole('listitem')
          .map(li => li.textContent),
      ).toEqual([
        'Attempt 1 of 4: writing the suite…',
        'Saved version 4',
        'Running… (run run-7)',
        'Run run-7 failed',
        'Repairing: Checkout, step s4: locator.click: Timeout 5000ms exceeded',
      ]),
    );
    expect(dialog.getByRole('button', { name: 'Cancel' })).toBeDisabled();
    fake.finish({
      suiteName: 'storefront-checkout',
      entityRef: ENTITY,
      version: 5,
      valid: true,
      attempts: 2,
      problems: [],
      model: 'comet-demo-model',
      lastRun: { runId: 'run-8', status: 'passed', failures: [] },
    });
    expect(
      await dialog.findByText('The suite passes (version 5, 2 attempts)'),
    ).toBeInTheDocument();
    expect(
      dialog.getByRole('link', { name: 'Open suite storefront-checkout' }),
    ).toHaveAttribute('href', '/test-recorder/suites/storefront-checkout');
    expect(
      dialog.getByRole('link', { name: 'Open run run-8' }),
    ).toHaveAttribute('href', '/test-recorder/runs/run-8');
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it('shows what still fails when it gives up', async () => {
    const fake = fakeApi();
    const dialog = within(await openDialog(fake));
    await userEvent.type(
      dialog.getByRole('textbox', { name: /User journey/ }),
      'Pay',
    );
    await userEvent.type(
      dialog.getByRole('textbox', { name: /Base URL/ }),
      'http://127.0.0.1:4173',
    );
    await userEvent.type(
      dialog.getByRole('textbox', { name: /Suite name/ }),
      'pay',
    );
    await userEvent.click(dialog.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(fake.requests).toHaveLength(1));
    fake.finish({
      suiteName: 'pay',
      entityRef: ENTITY,
      version: 4,
      valid: false,
      attempts: 4,
      problems: ['Checkout, step s4: locator.click: Timeout 5000ms exceeded'],
      model: 'comet-demo-model',
      lastRun: { runId: 'run-9', status: 'failed', failures: [] },
    });
    expect(
      await dialog.findByText('The suite does not pass yet (4 attempts)'),
    ).toBeInTheDocument();
    expect(
      within(dialog.getByRole('list', { name: 'Problems' })).getByText(
        'Checkout, step s4: locator.click: Timeout 5000ms exceeded',
      ),
    ).toBeInTheDocument();
    await userEvent.click(dialog.getByRole('button', { name: 'Close' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('checks the fields before sending, and shows a refusal verbatim', async () => {
    const fake = fakeApi();
    const dialog = within(await openDialog(fake));
    await userEvent.type(
      dialog.getByRole('textbox', { name: /Base URL/ }),
      'file:///etc/passwd',
    );
    await userEvent.type(
      dialog.getByRole('textbox', { name: /Suite name/ }),
      'My Suite',
    );
    await userEvent.click(dialog.getByRole('button', { name: 'Generate' }));
    expect(dialog.getByText('Required')).toBeInTheDocument();
    expect(
      dialog.getByText('An http(s) URL, e.g. http://127.0.0.1:4173'),
    ).toBeInTheDocument();
    expect(
      dialog.getByText(
        'Lower-case letters, digits and dashes, e.g. storefront-checkout',
      ),
    ).toBeInTheDocument();
    expect(fake.requests).toHaveLength(0);

    await userEvent.type(
      dialog.getByRole('textbox', { name: /User journey/ }),
      'Pay',
    );
    const url = dialog.getByRole('textbox', { name: /Base URL/ });
    await userEvent.clear(url);
    await userEvent.type(url, 'http://127.0.0.1:4173');
    const name = dialog.getByRole('textbox', { name: /Suite name/ });
    await userEvent.clear(name);
    await userEvent.type(name, 'billing-checkout');
    await userEvent.click(dialog.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(fake.requests).toHaveLength(1));
    fake.fail(
      new GenerateTestSuiteApiError(
        'The suite name "billing-checkout" is taken by a suite of another entity than component:default/storefront-web; choose another name',
        409,
      ),
    );
    expect(
      await dialog.findByText('The suite was not generated'),
    ).toBeInTheDocument();
    expect(
      dialog.getByText(/is taken by a suite of another entity/),
    ).toBeInTheDocument();
    expect(
      dialog.getByRole('button', { name: 'Generate again' }),
    ).toBeEnabled();
  });
});
