import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { stripTypeScriptTypes } from 'node:module';
import { fullSuite, minimalSuite } from './__fixtures__/suites';
import {
  describeStep,
  PLAYWRIGHT_TEST_VERSION,
  renderPlaywrightProject,
  renderPlaywrightTest,
} from './render';
import type { TestStep, TestSuiteDefinition } from './steps';

const GOLDEN_DIR = path.join(__dirname, '__golden__');

/** Compares with the golden file exactly; `UPDATE_GOLDEN=1` rewrites it instead. */
function expectGolden(fileName: string, actual: string) {
  const file = path.join(GOLDEN_DIR, fileName);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

/** Throws a SyntaxError unless the TypeScript is valid (types stripped, imports removed). */
function expectValidTypeScript(code: string) {
  const javascript = stripTypeScriptTypes(code)
    .replace(/^import .*$/gm, '')
    .replace(/^export default /m, 'void ');
  expect(
    () =>
      new vm.Script(`(async () => {\n${javascript}\n})`, {
        filename: 'generated.ts',
      }),
  ).not.toThrow();
}

const cases: Array<[string, TestSuiteDefinition]> = [
  ['full', fullSuite],
  ['minimal', minimalSuite],
];

describe('renderPlaywrightProject', () => {
  it.each(cases)('renders the %s suite as the golden files', (name, suite) => {
    const files = renderPlaywrightProject(suite);
    expect(files.map(file => file.path)).toEqual([
      'package.json',
      'playwright.config.ts',
      `tests/${suite.name}.spec.ts`,
      'README.md',
      '.gitignore',
    ]);
    const content = (filePath: string) =>
      files.find(file => file.path === filePath)!.content;
    expectGolden(`${name}.package.json.txt`, content('package.json'));
    expectGolden(`${name}.config.ts.txt`, content('playwright.config.ts'));
    expectGolden(`${name}.spec.ts.txt`, content(`tests/${suite.name}.spec.ts`));
    expectGolden(`${name}.README.md.txt`, content('README.md'));
    expect(content('.gitignore')).toBe(
      'node_modules/\ntest-results/\nplaywright-report/\n',
    );
    expectValidTypeScript(content('playwright.config.ts'));
    expectValidTypeScript(content(`tests/${suite.name}.spec.ts`));
  });

  it('pins the Playwright version and the test script', () => {
    const packageJson = JSON.parse(
      renderPlaywrightProject(minimalSuite)[0].content,
    );
    expect(packageJson.devDependencies).toEqual({
      '@playwright/test': '1.65.1',
    });
    expect(PLAYWRIGHT_TEST_VERSION).toBe('1.65.1');
    expect(packageJson.scripts).toEqual({ test: 'playwright test' });
  });

  it('never writes a secret value, and names every secret variable in the README', () => {
    const files = renderPlaywrightProject(fullSuite);
    const all = files.map(file => file.content).join('\n');
    expect(all).toContain("process.env.COMET_SECRET_PASSWORD ?? ''");
    expect(files.find(file => file.path === 'README.md')!.content).toContain(
      '- `COMET_SECRET_PASSWORD`',
    );
  });

  it('waits for the ready URL when there is one, and defaults the web server timeout', () => {
    const config = renderPlaywrightProject({
      ...minimalSuite,
      webServer: {
        command: 'npm start',
        port: 3000,
        readyUrl: 'http://127.0.0.1:3000/health',
      },
    })[1].content;
    expect(config).toContain("    url: 'http://127.0.0.1:3000/health',\n");
    expect(config).not.toContain('port:');
    expect(config).toContain('    cwd: repoDir,\n    timeout: 30000,\n  },');
  });
});

describe('renderPlaywrightTest', () => {
  it('uses the suite name when there is no title and escapes names', () => {
    const code = renderPlaywrightTest({
      ...minimalSuite,
      tests: [{ id: 'a', name: "It's 'quoted'", steps: [] }],
    });
    expect(code).toBe(
      [
        "import { test, expect } from '@playwright/test';",
        '',
        "test.describe('payments-api-smoke', () => {",
        "  test('It\\'s \\'quoted\\'', async ({ page }) => {",
        '    // No steps recorded yet.',
        '  });',
        '});',
        '',
      ].join('\n'),
    );
  });

  it('escapes regular expression characters in URL contains assertions', () => {
    const code = renderPlaywrightTest({
      ...minimalSuite,
      tests: [
        {
          id: 'a',
          name: 'a',
          steps: [
            {
              id: 'u',
              action: 'assertUrl',
              url: '/search?q=a+b(1)',
              match: 'contains',
            },
          ],
        },
      ],
    });
    expect(code).toContain(
      'await expect(page).toHaveURL(/\\/search\\?q=a\\+b\\(1\\)/);',
    );
    const regex = /toHaveURL\((\/.*\/)\);/.exec(code)![1];
    // eslint-disable-next-line no-new-func
    const compiled: RegExp = new Function(`return ${regex};`)();
    expect(compiled.test('http://x.test/search?q=a+b(1)&page=2')).toBe(true);
    expect(compiled.test('http://x.test/search?q=ab1')).toBe(false);
  });
});

describe('describeStep', () => {
  const target = { locator: { kind: 'label', value: 'Name' } } as const;
  it.each<[TestStep, string]>([
    [
      { id: 'a', action: 'navigate', url: '/checkout' },
      'Navigate to /checkout',
    ],
    [
      {
        id: 'a',
        action: 'click',
        target: { locator: { kind: 'role', role: 'button', name: 'Pay now' } },
      },
      'Click button "Pay now"',
    ],
    [
      { id: 'a', action: 'click', target, clickCount: 2 },
      'Double-click label "Name"',
    ],
    [
      { id: 'a', action: 'click', target, clickCount: 3, button: 'middle' },
      'Middle-triple-click label "Name"',
    ],
    [
      {
        id: 'a',
        action: 'click',
        target,
        button: 'right',
        modifiers: ['Control', 'Shift'],
      },
      'Right-click label "Name" with Control+Shift',
    ],
    [
      {
        id: 'a',
        action: 'fill',
        target: { locator: { kind: 'label', value: 'Password' } },
        secret: 'PASSWORD',
      },
      'Fill label "Password" with secret PASSWORD',
    ],
    [
      { id: 'a', action: 'fill', target, value: 'Ada' },
      'Fill label "Name" with "Ada"',
    ],
    [{ id: 'a', action: 'press', key: 'Tab' }, 'Press Tab'],
    [
      { id: 'a', action: 'press', target, key: 'Enter' },
      'Press Enter on label "Name"',
    ],
    [
      { id: 'a', action: 'select', target, values: ['a', 'b'] },
      'Select "a", "b" in label "Name"',
    ],
    [
      { id: 'a', action: 'select', target, values: [] },
      'Select nothing in label "Name"',
    ],
    [{ id: 'a', action: 'check', target, checked: true }, 'Check label "Name"'],
    [
      { id: 'a', action: 'check', target, checked: false },
      'Uncheck label "Name"',
    ],
    [
      { id: 'a', action: 'upload', target, files: ['a.pdf'] },
      'Upload "a.pdf" to label "Name"',
    ],
    [
      { id: 'a', action: 'upload', target, files: [] },
      'Upload no files to label "Name"',
    ],
    [
      { id: 'a', action: 'waitFor', target, state: 'detached' },
      'Wait for label "Name" to be detached',
    ],
    [
      { id: 'a', action: 'assertVisible', target, visible: true },
      'Expect label "Name" to be visible',
    ],
    [
      { id: 'a', action: 'assertVisible', target, visible: false },
      'Expect label "Name" to be hidden',
    ],
    [
      { id: 'a', action: 'assertText', target, text: 'Hi', match: 'exact' },
      'Expect label "Name" to have text "Hi"',
    ],
    [
      { id: 'a', action: 'assertText', target, text: 'Hi', match: 'contains' },
      'Expect label "Name" to contain text "Hi"',
    ],
    [
      { id: 'a', action: 'assertValue', target, value: '2' },
      'Expect label "Name" to have value "2"',
    ],
    [
      { id: 'a', action: 'assertChecked', target, checked: true },
      'Expect label "Name" to be checked',
    ],
    [
      { id: 'a', action: 'assertChecked', target, checked: false },
      'Expect label "Name" to be unchecked',
    ],
    [
      { id: 'a', action: 'assertUrl', url: '/done', match: 'contains' },
      'Expect URL to contain /done',
    ],
    [
      { id: 'a', action: 'assertUrl', url: '/done', match: 'exact' },
      'Expect URL to be /done',
    ],
    [
      { id: 'a', action: 'assertScreenshot', name: 'home' },
      'Expect screenshot "home" to match',
    ],
    [
      { id: 'a', action: 'assertScreenshot', name: 'form', target },
      'Expect screenshot "form" of label "Name" to match',
    ],
  ])('describes %j', (step, text) => {
    expect(describeStep(step)).toBe(text);
  });

  it('rejects an unknown action', () => {
    expect(() =>
      describeStep({ id: 'a', action: 'hover' } as unknown as TestStep),
    ).toThrow('Unknown step action "hover"');
    expect(() =>
      renderPlaywrightTest({
        ...minimalSuite,
        tests: [
          { id: 'a', name: 'a', steps: [{ id: 'a', action: 'hover' } as any] },
        ],
      }),
    ).toThrow('Unknown step action "hover"');
  });
});
