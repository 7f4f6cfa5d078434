import type { BrowserWorkerCommand } from '../../browser/BrowserWorker';
import type { WorkerEvent } from '../../browser/protocol';
import type {
  RecordingClock,
  RecordingServerMessage,
  RecordingSocket,
  RecordingWorker,
} from '../RecordingSession';

/** A socket that keeps what it was sent and lets a test wait for a message. */
export class FakeSocket implements RecordingSocket {
  readonly messages: RecordingServerMessage[] = [];
  readonly raw: string[] = [];
  closedWith?: { code?: number; reason?: string };
  bufferedAmount = 0;
  readonly #listeners = new Map<string, Array<(data?: unknown) => void>>();
  readonly #waiters = new Set<() => void>();

  send(text: string) {
    this.raw.push(text);
    this.messages.push(JSON.parse(text));
    for (const wake of this.#waiters) wake();
  }

  close(code?: number, reason?: string) {
    this.closedWith = { code, reason };
    for (const wake of this.#waiters) wake();
  }

  on(event: string, listener: (data?: unknown) => void) {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    return this;
  }

  /** What the portal would send. */
  message(value: unknown) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    for (const listener of this.#listeners.get('message') ?? []) {
      listener(Buffer.from(text));
    }
  }

  /** The portal went away. */
  disconnect() {
    for (const listener of this.#listeners.get('close') ?? []) listener();
  }

  of<T extends RecordingServerMessage['type']>(type: T) {
    return this.messages.filter(
      (m): m is Extract<RecordingServerMessage, { type: T }> => m.type === type,
    );
  }

  /**
   * The first message from index `from` on that matches; rejects with what arrived when
   * none does within `timeoutMs` (a bound on a broken test, not a wait for the page).
   */
  async next<T extends RecordingServerMessage['type']>(
    type: T,
    options: {
      from?: number;
      where?: (m: Extract<RecordingServerMessage, { type: T }>) => boolean;
      timeoutMs?: number;
    } = {},
  ): Promise<Extract<RecordingServerMessage, { type: T }>> {
    type Match = Extract<RecordingServerMessage, { type: T }>;
    const find = () =>
      this.messages
        .slice(options.from ?? 0)
        .find(
          (m): m is Match =>
            m.type === type && (!options.where || options.where(m as Match)),
        );
    const found = find();
    if (found) return found;
    const timeoutMs = options.timeoutMs ?? 30_000;
    let check: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<Match>(resolve => {
          check = () => {
            const match = find();
            if (match) resolve(match);
          };
          this.#waiters.add(check);
        }),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            const seen = this.messages
              .filter(m => m.type !== 'frame')
              .map(m => JSON.stringify(m).slice(0, 300));
            reject(
              new Error(
                `no ${type} message arrived within ${timeoutMs} ms; got:\n${seen.join(
                  '\n',
                )}`,
              ),
            );
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (check) this.#waiters.delete(check);
    }
  }
}

/** A worker whose events the test pushes and whose commands it reads. */
export class FakeWorker implements RecordingWorker {
  readonly commands: BrowserWorkerCommand[] = [];
  terminated = false;
  killed = false;
  /** Set to make `send` reject like a worker's error reply. */
  failNext?: string;
  readonly #queue: WorkerEvent[] = [];
  #wake?: () => void;
  #ended = false;
  #exit!: (exit: { exitCode: number | null; stderrTail?: string }) => void;
  readonly exited = new Promise<{
    exitCode: number | null;
    stderrTail?: string;
  }>(resolve => (this.#exit = resolve));

  get events(): AsyncIterable<WorkerEvent> {
    return { [Symbol.asyncIterator]: () => this.#iterate() };
  }

  async *#iterate(): AsyncGenerator<WorkerEvent> {
    for (;;) {
      const event = this.#queue.shift();
      if (event) yield event;
      else if (this.#ended) return;
      else await new Promise<void>(resolve => (this.#wake = resolve));
    }
  }

  emit(event: WorkerEvent) {
    this.#queue.push(event);
    this.#wake?.();
  }

  exit(exitCode: number | null, stderrTail = '') {
    this.#ended = true;
    this.#wake?.();
    this.#exit({ exitCode, stderrTail });
  }

  async send(command: BrowserWorkerCommand): Promise<void> {
    this.commands.push(command);
    if (command.cmd === 'close') {
      this.exit(0);
      return;
    }
    if (this.failNext) {
      const message = this.failNext;
      this.failNext = undefined;
      throw new Error(message);
    }
  }

  terminate() {
    this.terminated = true;
  }

  kill() {
    this.killed = true;
    this.exit(null);
  }
}

/** Time that moves only when the test says so. */
export class ManualClock implements RecordingClock {
  #now = Date.parse('2026-01-01T10:00:00Z');
  #timers = new Map<number, { at: number; callback: () => void }>();
  #nextHandle = 1;

  now() {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number) {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { at: this.#now + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown) {
    this.#timers.delete(handle as number);
  }

  advance(ms: number) {
    this.#now += ms;
    for (const [handle, timer] of [...this.#timers]) {
      if (timer.at <= this.#now && this.#timers.has(handle)) {
        this.#timers.delete(handle);
        timer.callback();
      }
    }
  }
}

/** Lets queued worker events reach the session. */
export const settle = () => new Promise(resolve => setImmediate(resolve));
