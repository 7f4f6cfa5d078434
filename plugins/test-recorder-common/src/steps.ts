/**
 * The test recorder's neutral step format: what a recorded test is, independent of Playwright.
 * Suites store it as JSON; `renderPlaywrightTest` turns it into Playwright Test TypeScript.
 */

/**
 * How a step finds its element, in Playwright's order of preference (codegen's scoring): a
 * test id, a role with its accessible name, a placeholder, a label, alt text, text, a title,
 * and CSS last. `nth` narrows a locator that matches several elements (a fragile fallback).
 */
export type TestLocator =
  | { kind: 'testId'; value: string; nth?: number }
  | { kind: 'role'; role: string; name?: string; exact?: boolean; nth?: number }
  | { kind: 'placeholder'; value: string; exact?: boolean; nth?: number }
  | { kind: 'label'; value: string; exact?: boolean; nth?: number }
  | { kind: 'altText'; value: string; exact?: boolean; nth?: number }
  | { kind: 'text'; value: string; exact?: boolean; nth?: number }
  | { kind: 'title'; value: string; exact?: boolean; nth?: number }
  | { kind: 'css'; value: string; nth?: number };

export type TestLocatorKind = TestLocator['kind'];

/** Locator kinds from most to least preferred. */
export const LOCATOR_PREFERENCE: readonly TestLocatorKind[] = [
  'testId',
  'role',
  'placeholder',
  'label',
  'altText',
  'text',
  'title',
  'css',
];

/** The element a step acts on: its best locator, and the ones tried next if it stops matching. */
export type TestTarget = {
  locator: TestLocator;
  fallbacks?: TestLocator[];
  /** What the user saw when recording (`button "Pay now"`), for the steps panel. */
  description?: string;
};

type StepBase = {
  /** Stable within its test; results and screenshots refer to it. */
  id: string;
  /** Overrides the suite's step timeout. */
  timeoutMs?: number;
};

export type NavigateStep = StepBase & {
  action: 'navigate';
  /** Absolute, or relative to the suite's base URL (`/checkout`). */
  url: string;
};
export type ClickStep = StepBase & {
  action: 'click';
  target: TestTarget;
  button?: 'left' | 'right' | 'middle';
  clickCount?: number;
  modifiers?: Array<'Alt' | 'Control' | 'Meta' | 'Shift'>;
};
/** Types into a field: a literal `value`, or the named suite `secret` (never stored in steps). */
export type FillStep = StepBase & {
  action: 'fill';
  target: TestTarget;
} & (
    | { value: string; secret?: undefined }
    | { secret: string; value?: undefined }
  );
export type PressStep = StepBase & {
  action: 'press';
  /** Without a target the key goes to the focused element. */
  target?: TestTarget;
  /** A Playwright key name: `Enter`, `Tab`, `Control+a`. */
  key: string;
};
export type SelectStep = StepBase & {
  action: 'select';
  target: TestTarget;
  values: string[];
};
export type CheckStep = StepBase & {
  action: 'check';
  target: TestTarget;
  checked: boolean;
};
/** Sets a file input to files stored with the suite (by name), never paths on the host. */
export type UploadStep = StepBase & {
  action: 'upload';
  target: TestTarget;
  files: string[];
};
export type WaitForStep = StepBase & {
  action: 'waitFor';
  target: TestTarget;
  state: 'visible' | 'hidden' | 'attached' | 'detached';
};
export type AssertVisibleStep = StepBase & {
  action: 'assertVisible';
  target: TestTarget;
  /** false: asserts the element is hidden. */
  visible: boolean;
};
export type AssertTextStep = StepBase & {
  action: 'assertText';
  target: TestTarget;
  text: string;
  match: 'exact' | 'contains';
};
export type AssertValueStep = StepBase & {
  action: 'assertValue';
  target: TestTarget;
  value: string;
};
export type AssertCheckedStep = StepBase & {
  action: 'assertChecked';
  target: TestTarget;
  checked: boolean;
};
export type AssertUrlStep = StepBase & {
  action: 'assertUrl';
  /** Absolute, or relative to the base URL. */
  url: string;
  match: 'exact' | 'contains';
};
/** A visual check: compared with the suite's accepted baseline of the same name. */
export type AssertScreenshotStep = StepBase & {
  action: 'assertScreenshot';
  /** Baseline name, unique within the test: `[a-z0-9-]`. */
  name: string;
  /** Only this element; the whole viewport otherwise. */
  target?: TestTarget;
  /** Per-pixel colour threshold for pixelmatch, 0..1 (default 0.1). */
  threshold?: number;
  /** Share of pixels that may differ before the step fails, 0..1 (default 0). */
  maxDiffPixelRatio?: number;
};

export type TestStep =
  | NavigateStep
  | ClickStep
  | FillStep
  | PressStep
  | SelectStep
  | CheckStep
  | UploadStep
  | WaitForStep
  | AssertVisibleStep
  | AssertTextStep
  | AssertValueStep
  | AssertCheckedStep
  | AssertUrlStep
  | AssertScreenshotStep;

export type TestStepAction = TestStep['action'];

export const TEST_STEP_ACTIONS: readonly TestStepAction[] = [
  'navigate',
  'click',
  'fill',
  'press',
  'select',
  'check',
  'upload',
  'waitFor',
  'assertVisible',
  'assertText',
  'assertValue',
  'assertChecked',
  'assertUrl',
  'assertScreenshot',
];

/** One test of a suite. */
export type TestCase = {
  /** Stable id within the suite (`[a-z0-9-]`); history follows it across renames. */
  id: string;
  name: string;
  steps: TestStep[];
};

/** A command the runner starts before the tests, as Playwright's `webServer`. */
export type TestSuiteWebServer = {
  /** Run with `sh -c` in the checked-out repository (or `cwd` inside it), in the sandbox. */
  command: string;
  /** The port it listens on, inside the run's own network namespace. */
  port: number;
  /** Polled until it answers with a status below 400; default `http://127.0.0.1:<port>/`. */
  readyUrl?: string;
  /** How long to wait for it to become ready (default 30 s). */
  timeoutMs?: number;
  /** Relative to the repository root. */
  cwd?: string;
  env?: Record<string, string>;
};

/** A suite as stored (one version of it): what the user records and edits. */
export type TestSuiteDefinition = {
  /** The suite's name, unique in the portal: `storefront-checkout` (`[a-z0-9-]`). */
  name: string;
  title?: string;
  description?: string;
  /** The app under test; steps' relative URLs resolve against it. */
  baseUrl: string;
  webServer?: TestSuiteWebServer;
  /** A Playwright device descriptor name (`Pixel 7`, `Desktop Chrome`) used by default. */
  project?: string;
  /** Default per-step timeout (5 s). */
  stepTimeoutMs?: number;
  /** Attribute `testId` locators use (`data-testid`). */
  testIdAttribute?: string;
  /** Names of the secrets steps refer to (values are stored encrypted or come from config). */
  secrets?: string[];
  /** Runs the suite on a schedule, besides on demand and from pipelines. */
  schedule?: TestSuiteSchedule;
  tests: TestCase[];
};

/** A suite's schedule: a five-field cron expression, in UTC unless a time zone is named. */
export type TestSuiteSchedule = {
  /** `0 6 * * 1-5`: weekdays at 06:00. */
  cron: string;
  /** An IANA time zone such as `Europe/Berlin`. Default: UTC. */
  timeZone?: string;
};
