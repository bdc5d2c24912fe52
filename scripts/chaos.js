#!/usr/bin/env node
// npm run test:chaos -- --size N --seed S
// Runs the chaos test (test/chaos) with N transactions and seed S: the seed
// picks the transactions and the kill schedule, so a failing run can be
// repeated. Defaults: 2000 transactions, seed 1 (the run `npm test` makes).
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
  options: { size: { type: 'string', default: '2000' }, seed: { type: 'string', default: '1' } },
});
const result = spawnSync(
  process.execPath,
  [
    path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
    '--runInBand',
    '--selectProjects',
    'fault',
    '--runTestsByPath',
    path.join('test', 'chaos', 'chaos.chaos-spec.ts'),
  ],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      CHAOS_SIZE: positiveInt('size', values.size),
      CHAOS_SEED: positiveInt('seed', values.seed),
    },
  },
);
process.exit(result.status ?? 1);
