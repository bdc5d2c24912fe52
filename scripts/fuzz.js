#!/usr/bin/env node
// npm run fuzz -- --runs N --seed S
// Runs the property-based fuzz tests (test/fuzz) against freshly started apps:
// N hostile requests over every endpoint of the three apps, and N/40 random
// sequences of valid transactions (at least one), all drawn from seed S, so a
// failing run can be repeated exactly. Defaults: 20000 runs, a fresh seed
// (printed). `npm test` runs the same properties with 1000 requests and 25
// sequences.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.resolve(__dirname, '..');

function positiveInt(name, raw) {
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    process.stderr.write(`--${name} must be a positive integer, got "${raw}"\n`);
    process.exit(2);
  }
  return raw;
}

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20000' }, seed: { type: 'string' } },
});
const env = { ...process.env, FUZZ_RUNS: positiveInt('runs', values.runs) };
if (values.seed !== undefined) env.FUZZ_SEED = positiveInt('seed', values.seed);
const result = spawnSync(
  process.execPath,
  [
    path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
    '--runInBand',
    '--selectProjects',
    'fuzz',
  ],
  { cwd: ROOT, stdio: 'inherit', env },
);
process.exit(result.status ?? 1);
