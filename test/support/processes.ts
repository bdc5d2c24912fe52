import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, WriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort } from '@app/database';
import { entryPoint, ROOT } from '../../scripts/lib/build';

/** The three apps of the contract, each started as `node dist/apps/<app>/main.js`. */
export type AppName = 'coordinator' | 'inventory' | 'account';

/** A running node process and the handles a test needs to drive it. */
export interface NodeProcess<N extends string = string> {
  /** The app's name (or the test participant's). */
  app: N;
  url: string;
  port: number;
  /** Pid of the current process (changes on restart). */
  readonly pid: number;
  /** Sends a signal without waiting (SIGKILL simulates a crash). */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
  stop(): Promise<void>;
  /** Stops the process if it runs, then starts it again on the same port with the same environment. */
  restart(): Promise<void>;
  /** Everything the app wrote to stdout and stderr so far, across restarts. */
  logs(): string;
}

/** One of the three apps of the contract, running. */
export type AppProcess = NodeProcess<AppName>;

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const LOG_DIR = join(ROOT, 'test-results', 'logs');

// Variables an app may legitimately need from the test runner's environment; nothing else leaks in.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LC_ALL'];

const running = new Set<ChildProcess>();
let logCounter = 0;

function killAllNow(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

// Every child dies with the test file that started it, whether its tests passed or not.
process.on('exit', killAllNow);
afterAll(async () => {
  await Promise.all([...running].map((child) => terminate(child)));
  process.off('exit', killAllNow);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exited(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function terminate(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(timer);
}

function logFileName(app: string, port: number): string {
  const testPath = expect.getState().testPath;
  const suite = testPath
    ? basename(testPath).replace(/\.(e2e-spec|int-spec|fault-spec|chaos-spec|spec)\.ts$/, '')
    : 'adhoc';
  logCounter += 1;
  return join(LOG_DIR, `${suite}.${app}.${port}.${process.pid}-${logCounter}.log`);
}

function tail(file: string, lines = 40): string {
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

async function waitForHealth(
  app: string,
  url: string,
  child: ChildProcess,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let problem = 'no answer';
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      throw new Error(
        `${app} exited during start (${child.signalCode ?? child.exitCode}); log ${logFile}:\n${tail(logFile)}`,
      );
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      problem = `GET /health answered ${response.status}: ${await response.text()}`;
    } catch (error) {
      problem = String((error as { cause?: unknown }).cause ?? error);
    }
    await sleep(100);
  }
  throw new Error(
    `${app} not healthy after ${HEALTH_TIMEOUT_MS} ms (${problem}); log ${logFile}:\n${tail(logFile)}`,
  );
}

/**
 * Starts one app as a child process on a free port (or `port`), its output
 * in test-results/logs/, and resolves once GET /health answers 200.
 */
export function startApp(
  app: AppName,
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<AppProcess> {
  return startProcess(app, entryPoint(app), env, options);
}

/**
 * Starts `node <entry>` the way {@link startApp} starts an app, for
 * processes that are not one of the three apps (the test participant).
 */
export async function startProcess<N extends string>(
  app: N,
  entry: string,
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<NodeProcess<N>> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = logFileName(app, port);
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const baseEnv = Object.fromEntries(
    INHERITED.filter((name) => process.env[name] !== undefined).map((name) => [
      name,
      process.env[name] as string,
    ]),
  );
  let child: ChildProcess;

  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      // Plain text logs: the files are read by people, not terminals.
      env: { ...baseEnv, NO_COLOR: '1', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const current = child;
    current.once('exit', () => running.delete(current));
    current.stdout?.pipe(log, { end: false });
    current.stderr?.pipe(log, { end: false });
    try {
      await waitForHealth(app, url, current, logFile);
    } catch (error) {
      await terminate(current);
      throw error;
    }
  };

  await launch();
  return {
    app,
    url,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    stop: () => terminate(child),
    restart: async () => {
      await terminate(child);
      await launch();
    },
    logs: () => readFileSync(logFile, 'utf8'),
  };
}
