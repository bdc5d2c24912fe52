#!/usr/bin/env node
// npm run test:chaos -- --size N --seed S
// Runs the chaos test (test/chaos) with N transactions and seed S: the seed
// picks the transactions and the kill schedule, so a failing run can be
// repeated. Defaults: 2000 transactions, seed 1 (the run `npm test` makes).
const path = require('node:path');
const { parseOptions, positiveInt, runJestProject } = require('./lib/jest-run');

const values = parseOptions(
  { size: { type: 'string', default: '2000' }, seed: { type: 'string', default: '1' } },
  'npm run test:chaos -- [--size N] [--seed S]',
);
runJestProject(
  'fault',
  { CHAOS_SIZE: positiveInt('size', values.size), CHAOS_SEED: positiveInt('seed', values.seed) },
  [path.join('test', 'chaos', 'chaos.chaos-spec.ts')],
);
