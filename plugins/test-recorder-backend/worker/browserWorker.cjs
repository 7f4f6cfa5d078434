// @ts-check
'use strict';
/**
 * The browser worker: `node browserWorker.cjs <jobFile>`, inside the sandbox. Reads the job,
 * writes events as JSON lines on stdout and reads commands as JSON lines on stdin. Stops the
 * browser and the web server on SIGTERM and when stdin closes (the backend went away).
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

/** @typedef {import('../src/browser/protocol').WorkerJob} WorkerJob */
/** @typedef {import('../src/browser/protocol').WorkerEvent} WorkerEvent */
/** @typedef {import('../src/browser/protocol').WorkerCommand} WorkerCommand */

/** @param {WorkerEvent} event */
function emit(event) {
  // One write per line, so a reader never sees two events interleaved.
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/**
 * Cleanup callbacks (browser, web server) registered by the mode, run once on shutdown.
 * @type {Array<() => Promise<void> | void>}
 */
const cleanups = [];
let shuttingDown = false;

/** @param {number} exitCode */
async function shutdown(exitCode) {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // best effort: the process is ending
    }
  }
  process.stdout.write('', () => process.exit(exitCode));
}

/**
 * Splits a stream into JSON command lines; its end means the backend went away.
 * @param {NodeJS.ReadableStream} input
 * @param {string} what
 * @param {(command: WorkerCommand) => void} onCommand
 */
function readCommands(input, what, onCommand) {
  let buffered = '';
  input.setEncoding('utf8');
  input.on('data', chunk => {
    buffered += chunk;
    const lines = buffered.split('\n');
    // The last piece is an unfinished line (empty after a newline): kept for the next chunk.
    buffered = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      try {
        onCommand(JSON.parse(line));
      } catch (error) {
        process.stderr.write(
          `ignoring a command line that is not JSON: ${String(error)}\n`,
        );
      }
    }
  });
  input.on('end', () => {
    process.stderr.write(`${what} closed: stopping\n`);
    void shutdown(1);
  });
}

/**
 * Commands come from job.commandSocket (the sandbox gives its command no stdin) or stdin.
 * @param {WorkerJob} job
 * @param {(command: WorkerCommand) => void} onCommand
 */
function connectCommands(job, onCommand) {
  if (!job.commandSocket) {
    readCommands(process.stdin, 'stdin', onCommand);
    return Promise.resolve();
  }
  const socket = net.connect(job.commandSocket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.on('error', () => {});
      readCommands(socket, 'the command socket', onCommand);
      resolve(undefined);
    });
    socket.once('error', error =>
      reject(
        new Error(
          `could not connect to the command socket ${job.commandSocket}: ${error.message}`,
        ),
      ),
    );
  });
}

async function main() {
  const jobFile = process.argv[2];
  if (!jobFile) {
    throw new Error('usage: node browserWorker.cjs <jobFile>');
  }
  /** @type {WorkerJob} */
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
  process.on('SIGTERM', () => {
    process.stderr.write('SIGTERM: stopping\n');
    void shutdown(143);
  });
  /** @type {(command: WorkerCommand) => void} */
  let commandHandler = command =>
    emit({
      type: 'reply',
      id: command.id,
      ok: false,
      error: `the worker is not ready for ${command.cmd}`,
    });
  await connectCommands(job, command => commandHandler(command));

  const modeFile = path.join(
    __dirname,
    job.mode === 'run' ? 'run.cjs' : 'record.cjs',
  );
  if (job.mode !== 'run' && job.mode !== 'record') {
    throw new Error(
      `unknown job mode ${JSON.stringify(/** @type {any} */ (job).mode)}`,
    );
  }
  if (!fs.existsSync(modeFile)) {
    throw new Error(
      `${job.mode} mode is not available: ${path.basename(
        modeFile,
      )} is missing`,
    );
  }
  /** @type {{ runJob?: Function; recordJob?: Function }} */
  const mode = require(modeFile);
  const entry = job.mode === 'run' ? mode.runJob : mode.recordJob;
  if (typeof entry !== 'function') {
    throw new Error(
      `${path.basename(modeFile)} exports no ${
        job.mode === 'run' ? 'runJob' : 'recordJob'
      }()`,
    );
  }
  await entry(job, {
    emit,
    /** @param {() => Promise<void> | void} cleanup */
    onShutdown: cleanup => cleanups.push(cleanup),
    /** @param {(command: WorkerCommand) => void} handler */
    onCommand: handler => (commandHandler = handler),
    isShuttingDown: () => shuttingDown,
  });
}

main().then(
  () => shutdown(0),
  error => {
    if (shuttingDown) return;
    emit({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    });
    process.stderr.write(
      `${error instanceof Error ? error.stack : String(error)}\n`,
    );
    void shutdown(1);
  },
);
