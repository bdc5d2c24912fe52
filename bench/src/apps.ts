import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@app/database';

/** The apps of the system, each started as `node <build>/apps/<app>/main.js`. */
export type AppName = 'coordinator' | 'inventory' | 'account';

/** One running app. */
export interface RunningApp {
  name: AppName;
  url: string;
  port: number;
  readonly pid: number;
  /** SIGTERM, SIGKILL after 10 s; resolves once it is gone. */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port with `env` on top of its environment. */
  restart(env?: Record<string, string>): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
// What an app may need from the bench's environment; secrets and URLs come only from the bench.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LC_ALL'];

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (!running(child)) return;
  const gone = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(timer);
}

function tail(file: string): string {
  return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
}

/** Every app this process started; all are killed if the bench itself exits early. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Starts one app on a free port with exactly `env` (plus PATH and the
 * like), its output appended to `<logDir>/<app>.log`, and resolves once
 * `GET /health` answers 200. `nodeFlags` go before the entry point.
 */
export async function startApp(
  name: AppName,
  options: {
    buildDir: string;
    logDir: string;
    env: Record<string, string>;
    port?: number;
    nodeFlags?: string[];
  },
): Promise<RunningApp> {
  const entry = join(options.buildDir, 'apps', name, 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: build first (npm run build)`);
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const base = Object.fromEntries(
    INHERITED.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]]])),
  ) as Record<string, string>;
  let env = options.env;
  let child: ChildProcess;

  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, [...(options.nodeFlags ?? []), entry], {
      env: { ...base, NO_COLOR: '1', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const current = child;
    children.add(current);
    current.once('exit', () => children.delete(current));
    current.stdout?.pipe(log, { end: false });
    current.stderr?.pipe(log, { end: false });
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!running(current)) {
        throw new Error(`${name} exited during start; ${logFile}:\n${tail(logFile)}`);
      }
      const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })
        .then((response) => response.status === 200)
        .catch(() => false);
      if (healthy) return;
      await sleep(100);
    }
    await terminate(current);
    throw new Error(
      `${name} not healthy after ${HEALTH_TIMEOUT_MS} ms; ${logFile}:\n${tail(logFile)}`,
    );
  };

  await launch();
  return {
    name,
    url,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    stop: () => terminate(child),
    restart: async (extra = {}) => {
      await terminate(child);
      env = { ...env, ...extra };
      await launch();
    },
  };
}

/** Resident memory of a process in bytes (Linux /proc, else `ps`); null when it is gone. */
export function residentBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux, or the process is gone: ps answers both.
  }
  try {
    const kb = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return kb === '' ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}
