import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '@app/database';
import type * as Manifest from '../../scripts/lib/apps';
import type * as Launcher from '../../scripts/lib/launch';

export type { AppName } from '../../scripts/lib/apps';

// Compiled into dist/bench/bench/src, this file reaches the scripts through the repository root.
const SCRIPTS = resolve(__dirname, '..', '..', '..', '..', 'scripts', 'lib');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const manifest = require(join(SCRIPTS, 'apps.js')) as typeof Manifest;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { inheritedEnv, launch } = require(join(SCRIPTS, 'launch.js')) as typeof Launcher;

/** `PORT`, the database variable and a participant's peers, from the app manifest. */
export function appSettings(
  name: Manifest.AppName,
  settings: Parameters<typeof Manifest.appSettings>[1],
): Record<string, string> {
  return manifest.appSettings(manifest.appByName(name), settings);
}

/** One running app. */
export type RunningApp = Launcher.Launched<Manifest.AppName>;

/**
 * Starts one app on a free port with exactly `env` (plus PATH and the
 * like), its output appended to `<logDir>/<app>.log`, and resolves once
 * `GET /health` answers 200. `nodeFlags` go before the entry point.
 */
export async function startApp(
  name: Manifest.AppName,
  options: {
    buildDir: string;
    logDir: string;
    env: Record<string, string>;
    port?: number;
    nodeFlags?: string[];
  },
): Promise<RunningApp> {
  const entry = manifest.entryPoint(name, options.buildDir);
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: build first (npm run build)`);
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  return launch({
    name,
    entry,
    port: options.port ?? (await freePort()),
    env: { ...inheritedEnv(), NO_COLOR: '1', ...options.env },
    nodeFlags: options.nodeFlags,
    logFile,
  }).catch((error: Error & { tail?: string[] }) => {
    throw new Error(`${error.message}; ${logFile}:\n${(error.tail ?? []).join('\n')}`);
  });
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
