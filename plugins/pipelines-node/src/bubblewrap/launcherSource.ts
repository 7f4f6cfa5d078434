/**
 * The first process inside a sandbox, run by the backend's own Node (mounted read-only).
 *
 * It reads one JSON line from stdin (the command, its environment and limits: secrets never
 * go through a command line or a file), then:
 * - when the sandbox has egress, listens on 127.0.0.1:<proxyPort> in the sandbox's own
 *   network namespace and forwards each connection to the egress proxy's Unix socket (the
 *   only way out of the namespace);
 * - starts the command in its own process group under `prlimit`;
 * - on a `TERM` line sends SIGTERM to that group; when stdin closes (the backend stopped
 *   the sandbox or died) kills it;
 * - exits with the command's status, which ends the sandbox and everything left in it.
 */
export const LAUNCHER_SOURCE = String.raw`'use strict';
const { spawn } = require('child_process');
const net = require('net');
const os = require('os');
let child;
let buffered = '';
let started = false;
let terminated = false;
const signal = sig => {
  if (child && child.pid) {
    try { process.kill(-child.pid, sig); } catch (e) {}
  }
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', data => {
  buffered += data;
  let index;
  while ((index = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, index);
    buffered = buffered.slice(index + 1);
    if (!started) {
      started = true;
      start(JSON.parse(line));
    } else if (line === 'TERM') {
      terminated = true;
      signal('SIGTERM');
    }
  }
});
process.stdin.on('end', () => {
  signal('SIGKILL');
  process.exit(137);
});
function start(request) {
  const run = () => {
    // Stopped before the command started (a slow set-up, an early cancel): never start it.
    if (terminated) {
      process.exit(143);
    }
    const limits = [];
    for (const [name, value] of Object.entries(request.limits || {})) {
      limits.push('--' + name + '=' + value);
    }
    const command = limits.length ? '/usr/bin/prlimit' : request.command;
    const args = limits.length
      ? [...limits, '--', request.command, ...request.args]
      : request.args;
    child = spawn(command, args, {
      cwd: request.cwd,
      env: request.env,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    child.on('error', error => {
      process.stderr.write('comet-sandbox: could not start ' + request.command + ': ' + error.message + '\n');
      process.exit(127);
    });
    child.on('exit', (code, sig) => {
      signal('SIGKILL');
      process.exit(code === null ? 128 + (os.constants.signals[sig] || 9) : code);
    });
  };
  if (!request.proxySocket) {
    run();
    return;
  }
  const server = net.createServer(client => {
    const upstream = net.connect(request.proxySocket);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on('error', error => {
    process.stderr.write('comet-sandbox: the egress forwarder failed: ' + error.message + '\n');
    process.exit(125);
  });
  server.listen(request.proxyPort, '127.0.0.1', run);
}
`;
