/**
 * The contract between the backend and the browser worker (`worker/browserWorker.cjs`), a Node
 * process that runs inside the pipelines sandbox with Chromium, the suite's web server and
 * nothing else. The backend writes a job file, starts the worker with its path, sends commands
 * as JSON lines on stdin and reads events as JSON lines on stdout (stderr is diagnostics).
 */
import type {
  TestLocator,
  TestStep,
  TestStepAction,
  TestSuiteDefinition,
  TestSuiteWebServer,
} from '@internal/plugin-test-recorder-common';

/** Modules the worker `require`s by absolute path (mounted read-only into the sandbox). */
export type WorkerModules = {
  playwrightCore: string;
  pixelmatch: string;
  pngjs: string;
};

type WorkerJobBase = {
  /** The Chromium binary itself (`/usr/lib/chromium/chromium`, not the shell wrapper). */
  chromiumPath: string;
  modules: WorkerModules;
  /** The sandbox's egress proxy (`HTTP_PROXY` inside it); loopback bypasses it. */
  proxyServer?: string;
  /** Where `webServer.command` runs (the checked-out repository). */
  repoDir?: string;
  webServer?: TestSuiteWebServer;
  baseUrl: string;
  /** A Playwright device descriptor name; the default desktop viewport otherwise. */
  project?: string;
  testIdAttribute: string;
  stepTimeoutMs: number;
  /**
   * Origins (`http://host:port`) the page may load besides loopback; anything else is aborted
   * in the page too (defence in depth behind the sandbox's proxy).
   */
  allowedOrigins: string[];
  /** Secret values by name, for `fill` steps that name a secret. */
  secrets: Record<string, string>;
  /** Files `upload` steps may use, by name: absolute paths inside the sandbox. */
  files: Record<string, string>;
  /**
   * A Unix socket the backend listens on (set by `BrowserWorker`): the worker connects and
   * reads commands from it as JSON lines, because a sandboxed command has no stdin. Its
   * closing means the backend went away. Unset: commands come on stdin.
   */
  commandSocket?: string;
};

export type WorkerRunJob = WorkerJobBase & {
  mode: 'run';
  suite: TestSuiteDefinition;
  /** Only these tests (all when unset). */
  testIds?: string[];
  retries: number;
  /** Writable: `<testId>/attempt-<n>/…` artifacts and `results.json`. */
  outputDir: string;
  /** Accepted baselines, `<baselinesDir>/<testId>/<name>.png` (read-only; may be missing). */
  baselinesDir?: string;
  /** Encode a video per attempt from the screencast with this ffmpeg; none when unset. */
  ffmpegPath?: string;
  trace: boolean;
};

export type WorkerRecordJob = WorkerJobBase & {
  mode: 'record';
  /** Opened first (relative to baseUrl). */
  startUrl?: string;
  viewport: { width: number; height: number };
  /** Steps already recorded; replayed first so the page is where the user left it. */
  steps?: TestStep[];
  /** Frames per second cap for the live view. */
  maxFps?: number;
  jpegQuality?: number;
};

export type WorkerJob = WorkerRunJob | WorkerRecordJob;

/** Commands on the worker's stdin (record mode). `id` is echoed by the reply. */
export type WorkerCommand =
  | {
      id: number;
      cmd: 'mouse';
      action: 'down' | 'up' | 'move' | 'wheel';
      /** CSS pixels in the page's viewport. */
      x: number;
      y: number;
      button?: 'left' | 'right' | 'middle';
      clickCount?: number;
      deltaX?: number;
      deltaY?: number;
      modifiers?: string[];
      /** The browser's input timestamp (ms), echoed in the next frame for latency figures. */
      sentAt?: number;
    }
  | {
      id: number;
      cmd: 'key';
      action: 'down' | 'up' | 'press' | 'insertText';
      key?: string;
      text?: string;
      modifiers?: string[];
      sentAt?: number;
    }
  | { id: number; cmd: 'resize'; width: number; height: number }
  | { id: number; cmd: 'navigate'; url: string }
  | { id: number; cmd: 'back' }
  | { id: number; cmd: 'reload' }
  /** While picking, a click selects an element for an assertion instead of clicking it. */
  | { id: number; cmd: 'pick'; enabled: boolean }
  /** Resets the page (fresh context), then runs `steps` up to and including `toIndex`. */
  | { id: number; cmd: 'replay'; steps: TestStep[]; toIndex: number }
  | { id: number; cmd: 'close' };

/** One candidate locator for an element, checked against the live page. */
export type LocatorCandidate = {
  locator: TestLocator;
  /** How many elements it matches now (a usable locator matches exactly one). */
  count: number;
};

/** What the user did, before it becomes a step. */
export type RecordedAction =
  | { kind: 'navigate'; url: string }
  | {
      kind: 'click';
      button: 'left' | 'right' | 'middle';
      clickCount: number;
      modifiers: Array<'Alt' | 'Control' | 'Meta' | 'Shift'>;
    }
  /**
   * Typing into a field (one event per field once the user leaves it or presses Enter).
   * `secret` is set for password fields and fields whose name says token/secret/api key: the
   * backend stores the value as a suite secret named by `secretHint` and the step names it.
   */
  | { kind: 'fill'; value: string; secret?: { hint: string } }
  | { kind: 'press'; key: string }
  | { kind: 'select'; values: string[] }
  | { kind: 'check'; checked: boolean }
  | { kind: 'upload'; fileNames: string[] };

/** Events on the worker's stdout. */
export type WorkerEvent =
  /** Reply to a command. */
  | { type: 'reply'; id: number; ok: true }
  | { type: 'reply'; id: number; ok: false; error: string }
  | {
      type: 'webServer';
      status: 'starting' | 'ready' | 'failed';
      message?: string;
    }
  /** Record mode: the page is open. */
  | { type: 'ready'; url: string; viewport: { width: number; height: number } }
  | {
      type: 'frame';
      /** Base64 JPEG. */
      data: string;
      /** The viewport the frame shows, in CSS pixels (map pointer coordinates with it). */
      width: number;
      height: number;
      seq: number;
      /** `sentAt` of the last input applied before this frame, for latency figures. */
      inputSentAt?: number;
    }
  | { type: 'url'; url: string; title?: string }
  /**
   * Record mode: the user did something on the page. The backend turns it into a step,
   * choosing the locator from `candidates` (`chooseLocator` in the common package).
   */
  | {
      type: 'action';
      action: RecordedAction;
      /** For actions on an element: every locator the element has, with its match count. */
      candidates?: LocatorCandidate[];
      /** `[testIdAttribute]` etc. could not describe the element: a CSS path was used. */
      cssPath?: string;
    }
  /** Record mode, picking: the element under the click and what can be asserted about it. */
  | {
      type: 'picked';
      candidates: LocatorCandidate[];
      state: {
        tagName: string;
        text?: string;
        value?: string;
        checked?: boolean;
        visible: boolean;
      };
    }
  | {
      type: 'replayed';
      index: number;
      status: 'passed' | 'failed';
      error?: string;
    }
  /** Run mode progress. */
  | { type: 'testStarted'; testId: string; attempt: number }
  | {
      type: 'stepFinished';
      testId: string;
      attempt: number;
      index: number;
      stepId: string;
      action: TestStepAction;
      status: 'passed' | 'failed' | 'skipped';
      durationMs: number;
      error?: string;
      usedFallback?: string;
      /** Relative to outputDir. */
      screenshotPath?: string;
      visual?: WorkerVisualResult;
    }
  | {
      type: 'testFinished';
      testId: string;
      attempt: number;
      status: 'passed' | 'failed';
      durationMs: number;
      error?: { message: string; stepId?: string; stepIndex?: number };
      /** Relative to outputDir; written before this event. */
      videoPath?: string;
      tracePath?: string;
    }
  /** Run mode: every test is done; `results.json` is written. */
  | { type: 'done'; videoUnavailable?: string }
  | { type: 'error'; message: string };

export type WorkerVisualResult = {
  name: string;
  status: 'match' | 'differs' | 'new';
  /** Relative to outputDir. */
  actualPath: string;
  diffPath?: string;
  diffPixels?: number;
  diffRatio?: number;
};
