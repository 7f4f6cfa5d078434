import {
  describeLocator,
  quoteForHumans,
  renderLocator,
  tsString,
} from './locators';
import type { TestStep, TestSuiteDefinition, TestTarget } from './steps';

/** The Playwright Test version exported projects pin (the one Comet runs with). */
export const PLAYWRIGHT_TEST_VERSION = '1.65.1';

/** The environment variable an exported project reads a suite secret from. */
export function secretEnvName(secret: string): string {
  return `COMET_SECRET_${secret}`;
}

function describeTarget(target: TestTarget): string {
  return describeLocator(target.locator);
}

/** One line for the steps panel and `test.step` titles: `Click button "Pay now"`. */
export function describeStep(step: TestStep): string {
  switch (step.action) {
    case 'navigate':
      return `Navigate to ${step.url}`;
    case 'click': {
      let verb = 'Click';
      if (step.clickCount === 2) verb = 'Double-click';
      else if (step.clickCount === 3) verb = 'Triple-click';
      if (step.button === 'right') verb = `Right-${verb.toLowerCase()}`;
      else if (step.button === 'middle') verb = `Middle-${verb.toLowerCase()}`;
      const modifiers = step.modifiers?.length
        ? ` with ${step.modifiers.join('+')}`
        : '';
      return `${verb} ${describeTarget(step.target)}${modifiers}`;
    }
    case 'fill':
      return step.secret !== undefined
        ? `Fill ${describeTarget(step.target)} with secret ${step.secret}`
        : `Fill ${describeTarget(step.target)} with ${quoteForHumans(
            step.value ?? '',
          )}`;
    case 'press':
      return step.target
        ? `Press ${step.key} on ${describeTarget(step.target)}`
        : `Press ${step.key}`;
    case 'select':
      return `Select ${
        step.values.length
          ? step.values.map(value => quoteForHumans(value)).join(', ')
          : 'nothing'
      } in ${describeTarget(step.target)}`;
    case 'check':
      return `${step.checked ? 'Check' : 'Uncheck'} ${describeTarget(
        step.target,
      )}`;
    case 'upload':
      return `Upload ${
        step.files.length
          ? step.files.map(file => quoteForHumans(file)).join(', ')
          : 'no files'
      } to ${describeTarget(step.target)}`;
    case 'waitFor':
      return `Wait for ${describeTarget(step.target)} to be ${step.state}`;
    case 'assertVisible':
      return `Expect ${describeTarget(step.target)} to be ${
        step.visible ? 'visible' : 'hidden'
      }`;
    case 'assertText':
      return `Expect ${describeTarget(step.target)} to ${
        step.match === 'exact' ? 'have' : 'contain'
      } text ${quoteForHumans(step.text)}`;
    case 'assertValue':
      return `Expect ${describeTarget(
        step.target,
      )} to have value ${quoteForHumans(step.value)}`;
    case 'assertChecked':
      return `Expect ${describeTarget(step.target)} to be ${
        step.checked ? 'checked' : 'unchecked'
      }`;
    case 'assertUrl':
      return `Expect URL to ${step.match === 'exact' ? 'be' : 'contain'} ${
        step.url
      }`;
    case 'assertScreenshot':
      return `Expect screenshot "${step.name}"${
        step.target ? ` of ${describeTarget(step.target)}` : ''
      } to match`;
    default:
      return assertNever(step);
  }
}

function assertNever(step: never): never {
  throw new Error(
    `Unknown step action ${JSON.stringify((step as TestStep).action)}`,
  );
}

/** `{ a: 1, b: 'x' }` from the entries that are set, or '' when none is. */
function optionsObject(entries: Array<[string, string | undefined]>): string {
  const set = entries.filter(([, value]) => value !== undefined);
  return set.length
    ? `{ ${set.map(([key, value]) => `${key}: ${value}`).join(', ')} }`
    : '';
}

function timeoutOption(step: TestStep): [string, string | undefined] {
  return ['timeout', step.timeoutMs?.toString()];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function stringArray(values: string[]): string {
  return `[${values.map(tsString).join(', ')}]`;
}

/** The statements of one step (inside its `test.step`), without indentation. */
function renderStepBody(step: TestStep): string[] {
  const lines: string[] = [];
  const target = 'target' in step ? step.target : undefined;
  if (target?.fallbacks?.length) {
    lines.push(
      `// fallbacks: ${target.fallbacks
        .map(fallback => renderLocator(fallback))
        .join(', ')}`,
    );
  }
  const locator = target ? renderLocator(target.locator) : '';
  const call = (
    method: string,
    args: string[],
    extra: Array<[string, string | undefined]> = [],
  ) => {
    const options = optionsObject([...extra, timeoutOption(step)]);
    const all = options ? [...args, options] : args;
    return `await ${locator}.${method}(${all.join(', ')});`;
  };
  const expectLocator = (
    matcher: string,
    args: string[],
    extra: Array<[string, string | undefined]> = [],
  ) => {
    const options = optionsObject([...extra, timeoutOption(step)]);
    const all = options ? [...args, options] : args;
    return `await expect(${locator}).${matcher}(${all.join(', ')});`;
  };

  switch (step.action) {
    case 'navigate': {
      const options = optionsObject([timeoutOption(step)]);
      lines.push(
        `await page.goto(${tsString(step.url)}${
          options ? `, ${options}` : ''
        });`,
      );
      break;
    }
    case 'click':
      lines.push(
        call(
          'click',
          [],
          [
            [
              'button',
              step.button && step.button !== 'left'
                ? tsString(step.button)
                : undefined,
            ],
            [
              'clickCount',
              step.clickCount && step.clickCount > 1
                ? String(step.clickCount)
                : undefined,
            ],
            [
              'modifiers',
              step.modifiers?.length ? stringArray(step.modifiers) : undefined,
            ],
          ],
        ),
      );
      break;
    case 'fill':
      lines.push(
        call('fill', [
          step.secret !== undefined
            ? `process.env.${secretEnvName(step.secret)} ?? ''`
            : tsString(step.value ?? ''),
        ]),
      );
      break;
    case 'press':
      if (step.target) {
        lines.push(call('press', [tsString(step.key)]));
      } else {
        lines.push(`await page.keyboard.press(${tsString(step.key)});`);
      }
      break;
    case 'select':
      lines.push(call('selectOption', [stringArray(step.values)]));
      break;
    case 'check':
      lines.push(call(step.checked ? 'check' : 'uncheck', []));
      break;
    case 'upload':
      lines.push(
        call('setInputFiles', [
          stringArray(step.files.map(file => `files/${file}`)),
        ]),
      );
      break;
    case 'waitFor':
      lines.push(call('waitFor', [], [['state', tsString(step.state)]]));
      break;
    case 'assertVisible':
      lines.push(
        expectLocator(step.visible ? 'toBeVisible' : 'toBeHidden', []),
      );
      break;
    case 'assertText':
      lines.push(
        expectLocator(step.match === 'exact' ? 'toHaveText' : 'toContainText', [
          tsString(step.text),
        ]),
      );
      break;
    case 'assertValue':
      lines.push(expectLocator('toHaveValue', [tsString(step.value)]));
      break;
    case 'assertChecked':
      lines.push(
        expectLocator(step.checked ? 'toBeChecked' : 'not.toBeChecked', []),
      );
      break;
    case 'assertUrl': {
      const expected =
        step.match === 'exact'
          ? tsString(step.url)
          : `/${escapeRegExp(step.url)}/`;
      const options = optionsObject([timeoutOption(step)]);
      lines.push(
        `await expect(page).toHaveURL(${expected}${
          options ? `, ${options}` : ''
        });`,
      );
      break;
    }
    case 'assertScreenshot': {
      const subject = step.target ? locator : 'page';
      const options = optionsObject([
        ['threshold', step.threshold?.toString()],
        ['maxDiffPixelRatio', step.maxDiffPixelRatio?.toString()],
        timeoutOption(step),
      ]);
      lines.push(
        `await expect(${subject}).toHaveScreenshot(${tsString(
          `${step.name}.png`,
        )}${options ? `, ${options}` : ''});`,
      );
      break;
    }
    default:
      assertNever(step);
  }
  return lines;
}

/** The suite as one Playwright Test spec file. */
export function renderPlaywrightTest(suite: TestSuiteDefinition): string {
  const out: string[] = [
    `import { test, expect } from '@playwright/test';`,
    '',
    `test.describe(${tsString(suite.title || suite.name)}, () => {`,
  ];
  suite.tests.forEach((testCase, index) => {
    if (index > 0) out.push('');
    const hasSteps = testCase.steps.length > 0;
    out.push(`  test(${tsString(testCase.name)}, async ({ page }) => {`);
    for (const step of testCase.steps) {
      out.push(
        `    await test.step(${tsString(describeStep(step))}, async () => {`,
      );
      for (const line of renderStepBody(step)) {
        out.push(`      ${line}`);
      }
      out.push('    });');
    }
    if (!hasSteps) {
      out.push('    // No steps recorded yet.');
    }
    out.push('  });');
  });
  out.push('});', '');
  return out.join('\n');
}

function renderConfig(suite: TestSuiteDefinition): string {
  const out: string[] = [
    `import { defineConfig${
      suite.project ? ', devices' : ''
    } } from '@playwright/test';`,
  ];
  if (suite.webServer) {
    out.push(
      `import path from 'node:path';`,
      '',
      '// The web server runs in the checkout of the app under test: by default the folder',
      '// above this project; set COMET_REPO_DIR to use another one.',
      `const repoDir = process.env.COMET_REPO_DIR ?? path.join(__dirname, '..');`,
    );
  }
  out.push('', 'export default defineConfig({', `  testDir: './tests',`);
  if (suite.stepTimeoutMs !== undefined) {
    out.push(`  expect: { timeout: ${suite.stepTimeoutMs} },`);
  }
  out.push(
    '  use: {',
    `    baseURL: ${tsString(suite.baseUrl)},`,
    `    testIdAttribute: ${tsString(suite.testIdAttribute ?? 'data-testid')},`,
  );
  if (suite.stepTimeoutMs !== undefined) {
    out.push(
      `    actionTimeout: ${suite.stepTimeoutMs},`,
      `    navigationTimeout: ${suite.stepTimeoutMs},`,
    );
  }
  out.push(
    `    trace: 'on',`,
    `    video: 'on',`,
    `    screenshot: 'on',`,
    '  },',
  );
  if (suite.project) {
    out.push(
      '  projects: [',
      `    { name: ${tsString(suite.project)}, use: { ...devices[${tsString(
        suite.project,
      )}] } },`,
      '  ],',
    );
  }
  const server = suite.webServer;
  if (server) {
    out.push('  webServer: {', `    command: ${tsString(server.command)},`);
    out.push(
      server.readyUrl !== undefined
        ? `    url: ${tsString(server.readyUrl)},`
        : `    port: ${server.port},`,
    );
    out.push(
      '    reuseExistingServer: !process.env.CI,',
      server.cwd !== undefined
        ? `    cwd: path.join(repoDir, ${tsString(server.cwd)}),`
        : '    cwd: repoDir,',
      `    timeout: ${server.timeoutMs ?? 30000},`,
    );
    const env = Object.entries(server.env ?? {});
    if (env.length) {
      out.push('    env: {');
      for (const [name, value] of env) {
        out.push(`      ${name}: ${tsString(value)},`);
      }
      out.push('    },');
    }
    out.push('  },');
  }
  out.push('});', '');
  return out.join('\n');
}

function uploadFiles(suite: TestSuiteDefinition): string[] {
  const files = new Set<string>();
  for (const testCase of suite.tests) {
    for (const step of testCase.steps) {
      if (step.action === 'upload') step.files.forEach(file => files.add(file));
    }
  }
  return [...files].sort();
}

function usedSecrets(suite: TestSuiteDefinition): string[] {
  const secrets = new Set<string>(suite.secrets ?? []);
  for (const testCase of suite.tests) {
    for (const step of testCase.steps) {
      if (step.action === 'fill' && step.secret !== undefined)
        secrets.add(step.secret);
    }
  }
  return [...secrets].sort();
}

function renderReadme(suite: TestSuiteDefinition, specPath: string): string {
  const out: string[] = [`# ${suite.title || suite.name}`, ''];
  if (suite.description) out.push(suite.description, '');
  out.push(
    `Exported from Comet's test recorder (suite \`${suite.name}\`): a Playwright Test project`,
    `that runs the suite's ${suite.tests.length} test${
      suite.tests.length === 1 ? '' : 's'
    } against ${suite.baseUrl}.`,
    '',
    '## Run it',
    '',
    '```sh',
    'npm install',
    'npx playwright install chromium',
    'npx playwright test',
    '```',
    '',
    `The tests are in \`${specPath}\`. \`npx playwright show-report\` opens the report, with`,
    'a trace, video and screenshots for every test.',
  );
  const secrets = usedSecrets(suite);
  if (secrets.length) {
    out.push(
      '',
      '## Secrets',
      '',
      'The suite types these secrets; the export never holds their values. Set them in the',
      'environment before running:',
      '',
      ...secrets.map(secret => `- \`${secretEnvName(secret)}\``),
    );
  }
  const files = uploadFiles(suite);
  if (files.length) {
    out.push(
      '',
      '## Files',
      '',
      'Upload steps use these files, stored with the suite, from the `files/` folder:',
      '',
      ...files.map(file => `- \`files/${file}\``),
    );
  }
  const screenshots = suite.tests.some(testCase =>
    testCase.steps.some(step => step.action === 'assertScreenshot'),
  );
  if (screenshots) {
    out.push(
      '',
      '## Visual checks',
      '',
      `Screenshot steps compare with the baselines in \`${specPath}-snapshots/\`. Without them,`,
      'the first run fails and writes the actual images; `npx playwright test --update-snapshots`',
      'accepts them as baselines.',
    );
  }
  if (suite.webServer) {
    out.push(
      '',
      '## Web server',
      '',
      `Before the tests, Playwright starts \`${suite.webServer.command}\` in the app's repository`,
      '(by default the folder above this project; set `COMET_REPO_DIR` to its checkout) and waits',
      `for ${
        suite.webServer.readyUrl ?? `port ${suite.webServer.port}`
      }. A server already running there is reused unless \`CI\` is set.`,
    );
  }
  if (suite.project) {
    out.push(
      '',
      '## Device',
      '',
      `The tests emulate Playwright's \`${suite.project}\` device; its browser may need`,
      '`npx playwright install`.',
    );
  }
  out.push('');
  return out.join('\n');
}

/** A runnable Playwright Test project for the suite: package.json, config, spec and README. */
export function renderPlaywrightProject(
  suite: TestSuiteDefinition,
): Array<{ path: string; content: string }> {
  const specPath = `tests/${suite.name}.spec.ts`;
  const packageJson = {
    name: suite.name,
    private: true,
    description: suite.title ?? `The ${suite.name} test suite`,
    scripts: { test: 'playwright test' },
    devDependencies: { '@playwright/test': PLAYWRIGHT_TEST_VERSION },
  };
  return [
    {
      path: 'package.json',
      content: `${JSON.stringify(packageJson, null, 2)}\n`,
    },
    { path: 'playwright.config.ts', content: renderConfig(suite) },
    { path: specPath, content: renderPlaywrightTest(suite) },
    { path: 'README.md', content: renderReadme(suite, specPath) },
    {
      path: '.gitignore',
      content: [
        'node_modules/',
        'test-results/',
        'playwright-report/',
        '',
      ].join('\n'),
    },
  ];
}
