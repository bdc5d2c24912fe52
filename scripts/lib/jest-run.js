// What `npm run fuzz` and `npm run test:chaos` share: their numeric
// arguments, and running one jest project in band with extra environment.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.resolve(__dirname, '..', '..');

/** `raw` when it is a positive integer; otherwise says so and exits 2 (a usage error). */
function positiveInt(name, raw) {
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    process.stderr.write(`--${name} must be a positive integer, got "${raw}"\n`);
    process.exit(2);
  }
  return raw;
}

/** The command's options parsed by `node:util` parseArgs; a mistake prints `usage` and exits 2. */
function parseOptions(options, usage) {
  try {
    return parseArgs({ options }).values;
  } catch (error) {
    process.stderr.write(`${error.message}\nusage: ${usage}\n`);
    process.exit(2);
  }
}

/** Runs the jest `project` in band (only `testPaths`, when given) and exits with its status. */
function runJestProject(project, env, testPaths = []) {
  const pathArgs = testPaths.length > 0 ? ['--runTestsByPath', ...testPaths] : [];
  const result = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--runInBand',
      '--selectProjects',
      project,
      ...pathArgs,
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  process.exit(result.status ?? 1);
}

module.exports = { parseOptions, positiveInt, runJestProject };
