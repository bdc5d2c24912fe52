import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/build';

/** Entry point of the compiled test participant. */
export const BUSI_ENTRY = join(
  ROOT,
  'dist',
  'test',
  'participants',
  'test',
  'participants',
  'busi',
  'main.js',
);

const SOURCES = [
  join(ROOT, 'test', 'participants', 'busi'),
  join(ROOT, 'test', 'participants', 'tsconfig.json'),
  join(ROOT, 'test', 'participants', 'nest-cli.json'),
  join(ROOT, 'libs'),
];
const NEST_CLI = join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.spec\.ts$/.test(path) ? 0 : stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestMtime(join(path, name))),
    0,
  );
}

/**
 * Compiles the test participant with `nest build` (which, unlike plain tsc,
 * rewrites the `@app/*` imports) when its output is missing or older than
 * its sources or the libraries it uses. Returns whether it built.
 */
export function buildBusiIfStale(log: (line: string) => void): boolean {
  const built = existsSync(BUSI_ENTRY) ? statSync(BUSI_ENTRY).mtimeMs : 0;
  if (built > Math.max(...SOURCES.map(newestMtime))) return false;
  log('Building the test participant: nest build busi -c test/participants/nest-cli.json');
  const result = spawnSync(
    process.execPath,
    [NEST_CLI, 'build', 'busi', '-c', join('test', 'participants', 'nest-cli.json')],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`building the test participant failed (${result.status})`);
  return true;
}
