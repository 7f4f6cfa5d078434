import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { WorkerEvent, WorkerRunJob } from '../../browser/protocol';
import type { SuiteRunnerWorker } from '../SuiteRunner';

/**
 * For tests of the runner's bookkeeping: a real Node child process that speaks the worker's
 * protocol (job file in, JSON-line events out, SIGTERM, exit codes, stderr) but runs `script`
 * instead of a browser. `script` is the body of an async function with `job`, `emit(event)`,
 * `write(relativePath, content)` (under outputDir; returns the path) and `waitForFile(path)`.
 */
export async function startScriptedWorker(options: {
  job: WorkerRunJob;
  workDir: string;
  script: string;
}): Promise<SuiteRunnerWorker & { pid: number }> {
  const jobFile = path.join(options.workDir, 'scripted-job.json');
  const scriptFile = path.join(options.workDir, 'scripted-worker.cjs');
  await fs.mkdir(options.workDir, { recursive: true });
  await fs.writeFile(jobFile, JSON.stringify(options.job), { mode: 0o600 });
  await fs.writeFile(
    scriptFile,
    `const fs = require('node:fs');
const path = require('node:path');
const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
fs.rmSync(process.argv[2]);
const emit = event => process.stdout.write(JSON.stringify(event) + '\\n');
const write = (relative, content) => {
  const file = path.join(job.outputDir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return relative;
};
const waitForFile = file =>
  new Promise(resolve => {
    const check = () => (fs.existsSync(file) ? resolve() : setTimeout(check, 20));
    check();
  });
process.on('SIGTERM', () => {
  process.stderr.write('terminated\\n');
  process.exit(143);
});
(async () => {
${options.script}
})().then(
  () => process.exit(0),
  error => {
    emit({ type: 'error', message: error.message });
    process.exit(1);
  },
);
`,
  );
  const child = spawn(process.execPath, [scriptFile, jobFile], {
    cwd: options.workDir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', chunk => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const closed = new Promise<number | null>(resolve =>
    child.on('close', code => resolve(code)),
  );
  const lines = readline.createInterface({ input: child.stdout });
  async function* events(): AsyncIterable<WorkerEvent> {
    for await (const line of lines) {
      if (line.trim()) yield JSON.parse(line) as WorkerEvent;
    }
  }
  return {
    pid: child.pid!,
    events: events(),
    terminate: () => child.kill('SIGTERM'),
    kill: () => child.kill('SIGKILL'),
    exited: closed.then(exitCode => ({ exitCode, stderrTail: stderr })),
  };
}
