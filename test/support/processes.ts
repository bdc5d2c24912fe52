import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort } from '@app/database';
import { AppName, entryPoint, ROOT } from '../../scripts/lib/apps';
import { inheritedEnv, launch, Launched, LaunchError } from '../../scripts/lib/launch';

export type { AppName } from '../../scripts/lib/apps';

/** A running node process and the handles a test needs to drive it. */
export interface NodeProcess<N extends string = string> extends Omit<Launched<N>, 'name'> {
  /** The app's name (or the test participant's). */
  app: N;
  /** Everything the process wrote to stdout and stderr so far, across restarts. */
  logs(): string;
}

/** One of the three apps, running. */
export type AppProcess = NodeProcess<AppName>;

const LOG_DIR = join(ROOT, 'test-results', 'logs');

const running = new Set<Launched>();
let logCounter = 0;

// Every child stops with the test file that started it, whether its tests passed or not.
afterAll(async () => {
  await Promise.all([...running].map((process) => process.stop()));
  running.clear();
});

function logFileName(app: string, port: number): string {
  const testPath = expect.getState().testPath;
  const suite = testPath
    ? basename(testPath).replace(/\.(e2e-spec|int-spec|fault-spec|chaos-spec|spec)\.ts$/, '')
    : 'adhoc';
  logCounter += 1;
  return join(LOG_DIR, `${suite}.${app}.${port}.${process.pid}-${logCounter}.log`);
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
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = logFileName(app, port);
  const launched = await launch({
    name: app,
    entry,
    port,
    // Plain text logs: the files are read by people, not terminals.
    env: { ...inheritedEnv(), NO_COLOR: '1', ...env },
    logFile,
  }).catch((error: unknown) => {
    if (!(error instanceof LaunchError)) throw error;
    throw new Error(`${error.message}; log ${logFile}:\n${error.tail.join('\n')}`);
  });
  running.add(launched);
  return {
    app,
    url: launched.url,
    port,
    get pid() {
      return launched.pid;
    },
    running: launched.running,
    exited: launched.exited,
    kill: launched.kill,
    stop: launched.stop,
    restart: launched.restart,
    tail: launched.tail,
    logs: () => readFileSync(logFile, 'utf8'),
  };
}
