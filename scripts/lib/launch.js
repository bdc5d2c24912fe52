// Runs an app (or any HTTP service built like one) as a child process and
// waits until GET /health answers 200: the one launcher of `npm start`, the
// tests and the benchmark.
//
// Each child gets an IPC channel it never reads: when the launching process
// dies, however it dies, the channel closes and the app stops itself
// (libs/http `listen`). Each runs in its own process group, so a Ctrl-C in
// the terminal reaches only the launcher, which decides the order of stopping.
const fs = require('node:fs');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { ROOT } = require('./apps');

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const TAIL_LINES = 40;
// What an app may need from the launcher's environment when the caller means to give it nothing else.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LC_ALL'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** PATH, HOME and the like from this process's environment: the base of a hermetic child environment. */
function inheritedEnv() {
  return Object.fromEntries(
    INHERITED.filter((name) => process.env[name] !== undefined).map((name) => [
      name,
      process.env[name],
    ]),
  );
}

const children = new Set();
// Last resort when the launcher exits without stopping its children (an uncaught error, process.exit).
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A process that died or never became healthy; `tail` holds its last output lines. */
class LaunchError extends Error {
  constructor(name, problem, tail) {
    super(`${name} ${problem}`);
    this.name = 'LaunchError';
    this.app = name;
    this.tail = tail;
  }
}

function isRunning(child) {
  return child.exitCode === null && child.signalCode === null;
}

function exitStatus(child) {
  if (!isRunning(child)) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

async function terminate(child, graceMs) {
  if (!isRunning(child)) return;
  const gone = exitStatus(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

async function waitForHealth(name, url, child, tail, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let problem = 'no answer';
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      throw new LaunchError(name, `exited during start (${await exitStatus(child)})`, tail);
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      problem = `GET /health answered ${response.status}`;
    } catch (error) {
      problem = error.cause?.code ?? error.message;
    }
    await sleep(100);
  }
  throw new LaunchError(
    name,
    `did not become healthy within ${timeoutMs / 1000} s (${problem})`,
    tail,
  );
}

/**
 * Starts `node [nodeFlags] entry` with exactly `env` plus `PORT`, and
 * resolves once it is healthy at `http://<host>:<port>` (host as in a URL,
 * default 127.0.0.1); on failure the child is stopped and a
 * {@link LaunchError} carries its last lines. Every output line goes to
 * `logFile` (appended) and to `onLine`.
 */
async function launch({
  name,
  entry,
  host = '127.0.0.1',
  port,
  env,
  nodeFlags = [],
  logFile,
  onLine,
  healthTimeoutMs = HEALTH_TIMEOUT_MS,
  stopGraceMs = STOP_GRACE_MS,
}) {
  const url = `http://${host}:${port}`;
  const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  let settings = env;
  let child;
  let tail = [];

  const start = async () => {
    tail = [];
    child = spawn(process.execPath, [...nodeFlags, entry], {
      cwd: ROOT,
      detached: true,
      env: { ...settings, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const current = child;
    // The channel exists for the child to notice this process's death; it must not keep this process alive.
    current.channel?.unref();
    children.add(current);
    current.once('exit', () => children.delete(current));
    const lines = tail;
    for (const stream of [current.stdout, current.stderr]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        lines.push(line);
        if (lines.length > TAIL_LINES) lines.shift();
        log?.write(`${line}\n`);
        onLine?.(line);
      });
    }
    await new Promise((resolve, reject) => {
      current.once('spawn', resolve);
      // Kept for the child's whole life: a later failure to signal it must not become an unhandled 'error' event.
      current.on('error', (error) =>
        reject(new LaunchError(name, `could not start: ${error.message}`, [])),
      );
    });
    try {
      await waitForHealth(name, url, current, lines, healthTimeoutMs);
    } catch (error) {
      await terminate(current, stopGraceMs);
      throw error;
    }
  };

  await start();
  return {
    name,
    url,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    running: () => isRunning(child),
    exited: () => exitStatus(child),
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    stop: () => terminate(child, stopGraceMs),
    restart: async (extra = {}) => {
      await terminate(child, stopGraceMs);
      settings = { ...settings, ...extra };
      await start();
    },
    tail: () => [...tail],
  };
}

module.exports = { launch, inheritedEnv, LaunchError };
