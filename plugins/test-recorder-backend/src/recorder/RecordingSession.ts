import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  chooseLocator,
  renderLocator,
  type TestStep,
  type TestTarget,
} from '@internal/plugin-test-recorder-common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BrowserWorkerCommand } from '../browser/BrowserWorker';
import type { RecordedAction, WorkerEvent } from '../browser/protocol';

/** A running record-mode browser worker, as `BrowserWorker.start` gives it. */
export type RecordingWorker = {
  events: AsyncIterable<WorkerEvent>;
  /** Resolves on the worker's `ok` reply; rejects with its error. */
  send(command: BrowserWorkerCommand): Promise<void>;
  terminate(): void;
  kill(): void;
  exited: Promise<{ exitCode: number | null; stderrTail?: string }>;
};

/** What a WebSocket (`ws`) offers a session; tests pass a plain object. */
export interface RecordingSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  /** Bytes queued but not yet sent; frames are dropped while it is high. */
  readonly bufferedAmount?: number;
}

/** Timers the sessions use, injectable so tests control time. */
export interface RecordingClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: RecordingClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: handle => clearTimeout(handle as NodeJS.Timeout),
};

/** Messages to the portal (see the REST/WebSocket contract). */
export type RecordingServerMessage =
  | {
      type: 'frame';
      data: string;
      width: number;
      height: number;
      seq: number;
      inputSentAt?: number;
    }
  | { type: 'ready'; url: string; viewport: { width: number; height: number } }
  | { type: 'url'; url: string; title?: string }
  | {
      type: 'step';
      step: TestStep;
      fragile?: { reason: string; suggestion: string };
      replacesStepId?: string;
    }
  | {
      type: 'picked';
      target: TestTarget;
      fragile?: { reason: string; suggestion: string };
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
  | { type: 'webServer'; status: string; message?: string }
  | { type: 'error'; message: string }
  | { type: 'closed'; reason: string };

const modifiers = z
  .array(z.enum(['Alt', 'Control', 'Meta', 'Shift', 'ControlOrMeta']))
  .max(4)
  .optional();
const coordinate = z.number().finite().min(-10_000).max(100_000);
const sentAt = z.number().finite().optional();

/** What the portal may send; anything else gets an `error` message. */
const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('mouse'),
    action: z.enum(['down', 'up', 'move', 'wheel']),
    x: coordinate,
    y: coordinate,
    button: z.enum(['left', 'right', 'middle']).optional(),
    clickCount: z.number().int().min(1).max(3).optional(),
    deltaX: z.number().finite().optional(),
    deltaY: z.number().finite().optional(),
    modifiers,
    sentAt,
  }),
  z.strictObject({
    type: z.literal('key'),
    action: z.enum(['down', 'up', 'press', 'insertText']),
    key: z.string().min(1).max(64).optional(),
    text: z.string().max(10_000).optional(),
    modifiers,
    sentAt,
  }),
  z.strictObject({
    type: z.literal('resize'),
    width: z.number().int().min(200).max(3840),
    height: z.number().int().min(200).max(2160),
  }),
  z.strictObject({
    type: z.literal('navigate'),
    url: z.string().min(1).max(4096),
  }),
  z.strictObject({ type: z.literal('back') }),
  z.strictObject({ type: z.literal('reload') }),
  z.strictObject({ type: z.literal('pick'), enabled: z.boolean() }),
  z.strictObject({
    type: z.literal('replay'),
    // The worker validates each step as it runs it; here only the shape of the list.
    steps: z
      .array(z.looseObject({ id: z.string(), action: z.string() }))
      .max(1000),
    toIndex: z.number().int().min(-1),
  }),
]);

export type RecordingClientMessage = z.infer<typeof clientMessageSchema>;

/** Frames are dropped while more than this is waiting in the socket (latency over completeness). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Steps kept for a page that has not attached yet. */
const MAX_UNSENT_STEPS = 100;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map(issue =>
      issue.path.length > 0
        ? `${issue.path.join('.')}: ${issue.message}`
        : issue.message,
    )
    .join('; ');
}

function textOf(data: unknown): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data))
    return Buffer.concat(data as Buffer[]).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return String(data);
}

export type RecordingSessionOptions = {
  sessionId: string;
  userEntityRef: string;
  entityRef: string;
  suiteName?: string;
  baseUrl: string;
  testIdAttribute: string;
  worker: RecordingWorker;
  /** Secret values the worker already knows (never sent to the portal). */
  knownSecrets: Record<string, string>;
  logger: LoggerService;
  clock: RecordingClock;
  idleTimeoutMs: number;
  detachGraceMs: number;
  /** Called once, when the session has ended for any reason. */
  onClosed: (reason: string) => void;
};

/**
 * One user's recording: a browser worker in the sandbox and at most one attached socket.
 * Turns the worker's recorded actions into steps and the portal's input into worker commands.
 */
export class RecordingSession {
  readonly sessionId: string;
  readonly userEntityRef: string;
  readonly entityRef: string;
  readonly suiteName?: string;
  readonly baseUrl: string;

  readonly #options: RecordingSessionOptions;
  #socket?: RecordingSocket;
  #lastActivity: number;
  #idleTimer?: unknown;
  #detachTimer?: unknown;
  #closedReason?: string;
  #ready?: RecordingServerMessage;
  readonly #unsent: RecordingServerMessage[] = [];
  #lastUrl?: RecordingServerMessage;
  /** A still page sends no frames: a socket that attaches late gets the last one. */
  #lastFrame?: RecordingServerMessage;
  #lastStep?: { stepId: string; fillTargetKey?: string };
  readonly #pendingSecrets = new Map<string, string>();
  readonly #done: Promise<void>;

  static start(options: RecordingSessionOptions): RecordingSession {
    return new RecordingSession(options);
  }

  private constructor(options: RecordingSessionOptions) {
    this.#options = options;
    this.sessionId = options.sessionId;
    this.userEntityRef = options.userEntityRef;
    this.entityRef = options.entityRef;
    this.suiteName = options.suiteName;
    this.baseUrl = options.baseUrl;
    this.#lastActivity = options.clock.now();
    this.#armIdleTimer();
    // Nobody attached yet counts as detached: a session never attached closes too.
    this.#armDetachTimer();
    this.#done = this.#consume();
  }

  /** When the session closes for idleness unless the user does something (ms since epoch). */
  get expiresAt(): number {
    return this.#lastActivity + this.#options.idleTimeoutMs;
  }

  get closed(): boolean {
    return this.#closedReason !== undefined;
  }

  /** Resolves once the worker's events have ended. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Secret values typed during the recording, by the name their fill steps use. */
  pendingSecrets(): Record<string, string> {
    return Object.fromEntries(this.#pendingSecrets);
  }

  /** Connects the user's socket; a socket already attached is replaced. */
  attach(socket: RecordingSocket): void {
    if (this.closed) {
      socket.send(
        JSON.stringify({ type: 'closed', reason: this.#closedReason }),
      );
      socket.close(1000, 'recording closed');
      return;
    }
    const previous = this.#socket;
    this.#socket = socket;
    if (previous) {
      previous.close(4000, 'opened in another window');
    }
    if (this.#detachTimer !== undefined) {
      this.#options.clock.clearTimeout(this.#detachTimer);
      this.#detachTimer = undefined;
    }
    socket.on('message', data => this.#onClientMessage(textOf(data)));
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#armDetachTimer();
    });
    this.#touch();
    if (this.#ready) this.#send(this.#ready);
    if (this.#lastUrl) this.#send(this.#lastUrl);
    if (this.#lastFrame) this.#send(this.#lastFrame);
    for (const step of this.#unsent.splice(0)) this.#send(step);
  }

  /** Ends the recording: tells the socket why, closes the browser, and stops the worker. */
  close(reason: string): void {
    if (this.closed) return;
    this.#closedReason = reason;
    const { clock } = this.#options;
    if (this.#idleTimer !== undefined) clock.clearTimeout(this.#idleTimer);
    if (this.#detachTimer !== undefined) clock.clearTimeout(this.#detachTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.send(JSON.stringify({ type: 'closed', reason }));
      socket.close(1000, 'recording closed');
    }
    const { worker } = this.#options;
    worker.send({ cmd: 'close' }).catch(() => {
      // the worker is already gone
    });
    // A worker that does not close its browser in time is stopped; these timers are real
    // because they guard processes, not the session's logic.
    const terminate = setTimeout(() => worker.terminate(), 5_000);
    const kill = setTimeout(() => worker.kill(), 10_000);
    terminate.unref?.();
    kill.unref?.();
    void worker.exited.finally(() => {
      clearTimeout(terminate);
      clearTimeout(kill);
    });
    this.#options.logger.info(
      `Recording session ${this.sessionId} closed: ${reason}`,
    );
    this.#options.onClosed(reason);
  }

  #touch() {
    this.#lastActivity = this.#options.clock.now();
    this.#armIdleTimer();
  }

  #armIdleTimer() {
    const { clock, idleTimeoutMs } = this.#options;
    if (this.#idleTimer !== undefined) clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = clock.setTimeout(() => {
      this.close(
        `closed after ${Math.round(idleTimeoutMs / 1000)} s without input`,
      );
    }, idleTimeoutMs);
  }

  #armDetachTimer() {
    const { clock, detachGraceMs } = this.#options;
    if (this.#detachTimer !== undefined) clock.clearTimeout(this.#detachTimer);
    this.#detachTimer = clock.setTimeout(() => {
      this.close('the recorder page was left');
    }, detachGraceMs);
  }

  #send(message: RecordingServerMessage) {
    if (!this.#socket) {
      // Steps recorded while no page is attached (the start URL's navigate, before the
      // portal's socket connects) are delivered when one attaches
      if (message.type === 'step' && this.#unsent.length < MAX_UNSENT_STEPS) {
        this.#unsent.push(message);
      }
      return;
    }
    this.#socket.send(JSON.stringify(message));
  }

  /** Secret values never leave the backend, even inside an error message. */
  #mask(text: string): string {
    let masked = text;
    const values = [
      ...Object.values(this.#options.knownSecrets),
      ...this.#pendingSecrets.values(),
    ].filter(value => value.length >= 3);
    for (const value of values) {
      masked = masked.split(value).join('***');
    }
    return masked;
  }

  #error(message: string) {
    this.#send({ type: 'error', message: this.#mask(message) });
  }

  #onClientMessage(text: string) {
    if (this.closed) return;
    this.#touch();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#error('A recorder message must be JSON');
      return;
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const type =
        json && typeof json === 'object' && 'type' in json
          ? ` (${String((json as { type: unknown }).type)})`
          : '';
      this.#error(
        `Invalid recorder message${type}: ${describeIssues(parsed.error)}`,
      );
      return;
    }
    const message = parsed.data;
    let command: BrowserWorkerCommand;
    if (message.type === 'replay') {
      command = {
        cmd: 'replay',
        steps: message.steps as unknown as TestStep[],
        toIndex: message.toIndex,
      };
    } else {
      const { type, ...rest } = message;
      command = { cmd: type, ...rest } as BrowserWorkerCommand;
    }
    this.#options.worker.send(command).catch(error => {
      if (this.closed) return;
      this.#error(
        `${message.type} failed: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    });
  }

  async #consume() {
    try {
      for await (const event of this.#options.worker.events) {
        this.#onWorkerEvent(event);
      }
    } catch (error) {
      this.#options.logger.warn(
        `Recording session ${
          this.sessionId
        }: reading the browser worker failed: ${this.#mask(String(error))}`,
      );
    }
    if (!this.closed) {
      const exit = await this.#options.worker.exited;
      const tail = exit.stderrTail
        ? `; last output: ${this.#mask(
            exit.stderrTail.trim().split('\n').slice(-3).join(' | '),
          )}`
        : '';
      this.close(
        `the browser stopped (exit code ${
          exit.exitCode ?? 'none: killed'
        })${tail}`,
      );
    }
  }

  #onWorkerEvent(event: WorkerEvent) {
    switch (event.type) {
      case 'frame': {
        this.#lastFrame = event;
        const socket = this.#socket;
        if (!socket) return;
        if ((socket.bufferedAmount ?? 0) > MAX_BUFFERED_BYTES) return;
        this.#send(event);
        return;
      }
      case 'ready':
        this.#ready = event;
        this.#send(event);
        return;
      case 'url':
        this.#lastUrl = event;
        this.#send(event);
        return;
      case 'webServer':
        this.#send({
          type: 'webServer',
          status: event.status,
          ...(event.message ? { message: this.#mask(event.message) } : {}),
        });
        return;
      case 'replayed':
        this.#send({
          ...event,
          ...(event.error ? { error: this.#mask(event.error) } : {}),
        });
        return;
      case 'reply':
        // The command's own `worker.send` promise carries the outcome (a failure becomes one
        // `<command> failed: ...` error); repeating it here would report it twice.
        return;
      case 'error':
        this.#error(event.message);
        return;
      case 'picked': {
        const chosen = chooseLocator(event.candidates, {
          testIdAttribute: this.#options.testIdAttribute,
        });
        if (!chosen) {
          this.#error(
            `The picked <${event.state.tagName}> could not be located: no locator matches it`,
          );
          return;
        }
        this.#send({
          type: 'picked',
          target: chosen.target,
          ...(chosen.fragile ? { fragile: chosen.fragile } : {}),
          state: event.state,
        });
        return;
      }
      case 'action':
        this.#onAction(event.action, event.candidates ?? []);
        return;
      default:
      // run-mode events do not occur in a recording
    }
  }

  #onAction(
    action: RecordedAction,
    candidates: Parameters<typeof chooseLocator>[0],
  ) {
    const stepId = randomUUID().slice(0, 8);
    if (action.kind === 'navigate') {
      this.#emitStep({ id: stepId, action: 'navigate', url: action.url });
      return;
    }
    const chosen = chooseLocator(candidates, {
      testIdAttribute: this.#options.testIdAttribute,
    });
    if (!chosen) {
      this.#error(
        `The element of a ${action.kind} could not be located: none of its locators matches it in the page, so no step was recorded`,
      );
      return;
    }
    const { target, fragile } = chosen;
    let step: TestStep;
    switch (action.kind) {
      case 'click':
        step = {
          id: stepId,
          action: 'click',
          target,
          ...(action.button !== 'left' ? { button: action.button } : {}),
          ...(action.clickCount !== 1 ? { clickCount: action.clickCount } : {}),
          ...(action.modifiers.length > 0
            ? { modifiers: action.modifiers }
            : {}),
        };
        break;
      case 'fill':
        if (action.secret) {
          this.#pendingSecrets.set(action.secret.hint, action.value);
          step = {
            id: stepId,
            action: 'fill',
            target,
            secret: action.secret.hint,
          };
        } else {
          step = { id: stepId, action: 'fill', target, value: action.value };
        }
        break;
      case 'press':
        step = { id: stepId, action: 'press', target, key: action.key };
        break;
      case 'select':
        step = { id: stepId, action: 'select', target, values: action.values };
        break;
      case 'check':
        step = { id: stepId, action: 'check', target, checked: action.checked };
        break;
      case 'upload':
        step = {
          id: stepId,
          action: 'upload',
          target,
          files: action.fileNames,
        };
        break;
      default:
        return;
    }
    this.#emitStep(step, fragile);
  }

  #emitStep(step: TestStep, fragile?: { reason: string; suggestion: string }) {
    const fillTargetKey =
      step.action === 'fill' ? renderLocator(step.target.locator) : undefined;
    const previous = this.#lastStep;
    const replacesStepId =
      fillTargetKey !== undefined && previous?.fillTargetKey === fillTargetKey
        ? previous.stepId
        : undefined;
    this.#lastStep = { stepId: step.id, fillTargetKey };
    this.#send({
      type: 'step',
      step,
      ...(fragile ? { fragile } : {}),
      ...(replacesStepId ? { replacesStepId } : {}),
    });
  }
}
