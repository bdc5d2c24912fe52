// Decides whether dist/ is older than the sources and rebuilds it; shared by
// `npm start` and the e2e global setup so both run exactly what was edited.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { APPS, ROOT, entryPoint } = require('./apps');

const SOURCE_DIRS = ['apps', 'libs'];
const SOURCE_FILES = ['tsconfig.json', 'nest-cli.json', 'package-lock.json'];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Built output (the packages' dist/) is not a source.
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      newest = Math.max(newest, newestMtime(full));
    } else if (!/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) {
      // Specs are not compiled into dist, so editing one needs no rebuild.
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

/** Why dist/ needs a build (a sentence), or null when every entry point is newer than every source. */
function staleReason() {
  let oldestBuild = Infinity;
  for (const { name } of APPS) {
    if (!fs.existsSync(entryPoint(name))) return `dist/apps/${name}/main.js is missing`;
    oldestBuild = Math.min(oldestBuild, fs.statSync(entryPoint(name)).mtimeMs);
  }
  let newestSource = 0;
  for (const dir of SOURCE_DIRS)
    newestSource = Math.max(newestSource, newestMtime(path.join(ROOT, dir)));
  for (const file of SOURCE_FILES) {
    const full = path.join(ROOT, file);
    if (fs.existsSync(full)) newestSource = Math.max(newestSource, fs.statSync(full).mtimeMs);
  }
  return newestSource > oldestBuild ? 'sources changed since the last build' : null;
}

/**
 * Runs `npm run build` (output shown as it happens) when dist/ is missing or
 * stale. Throws when the build fails so the caller stops instead of running
 * an old build.
 */
function buildIfStale(log = (line) => process.stdout.write(`${line}\n`)) {
  const reason = staleReason();
  if (!reason) return false;
  log(`Building the apps (${reason}): npm run build`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`npm run build failed with exit code ${result.status}`);
  const still = staleReason();
  if (still) throw new Error(`npm run build finished but ${still}`);
  return true;
}

module.exports = { ROOT, staleReason, buildIfStale };
