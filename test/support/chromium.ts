import { execFileSync, spawnSync } from 'node:child_process';

/** How long installing the package may take: a download of some 100 MB on a slow mirror. */
export const CHROMIUM_INSTALL_TIMEOUT_MS = 15 * 60_000;

function which(program: string): string | null {
  const found = spawnSync('which', [program], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : null;
}

/** Why this machine cannot install the package itself, or null when it can. */
function cannotInstall(): string | null {
  if (!which('apt-get')) return 'there is no apt-get here';
  if (process.getuid?.() !== 0) return 'installing needs root';
  return null;
}

/**
 * The path of Debian's `chromium`. When it is missing and this is a Debian
 * or Ubuntu machine running as root (a container, CI), it is installed with
 * apt-get first; otherwise the error is one line saying what to install.
 */
export function chromiumPath(log: (line: string) => void): string {
  const present = which('chromium');
  if (present) return present;
  const obstacle = cannotInstall();
  if (!obstacle) {
    log('chromium is missing; installing it: apt-get update && apt-get install -y chromium');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execFileSync('apt-get', ['update', '-qq'], {
        env,
        stdio: 'pipe',
        timeout: CHROMIUM_INSTALL_TIMEOUT_MS,
      });
      execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
        env,
        stdio: 'pipe',
        timeout: CHROMIUM_INSTALL_TIMEOUT_MS,
      });
    } catch (error) {
      const detail = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message)
        .trim()
        .split('\n')
        .pop();
      throw new Error(
        `The admin UI test needs Debian's chromium, and apt-get install chromium failed (${detail}); install it, then run the tests again.`,
      );
    }
    const installed = which('chromium');
    if (installed) return installed;
  }
  throw new Error(
    `The admin UI test needs Debian's chromium on the PATH (${obstacle ?? 'apt-get installed no chromium'}): run "sudo apt-get install chromium".`,
  );
}
