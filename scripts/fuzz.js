#!/usr/bin/env node
// npm run fuzz -- --runs N --seed S
// Runs the property-based fuzz tests (test/fuzz) against freshly started apps:
// N hostile requests over every endpoint of the three apps, and N/40 random
// sequences of valid transactions (at least one), all drawn from seed S, so a
// failing run can be repeated exactly. Defaults: 20000 runs, a fresh seed
// (printed). `npm test` runs the same properties with 1000 requests and 25
// sequences.
const { parseOptions, positiveInt, runJestProject } = require('./lib/jest-run');

const values = parseOptions(
  { runs: { type: 'string', default: '20000' }, seed: { type: 'string' } },
  'npm run fuzz -- [--runs N] [--seed S]',
);
const env = { FUZZ_RUNS: positiveInt('runs', values.runs) };
if (values.seed !== undefined) env.FUZZ_SEED = positiveInt('seed', values.seed);
runJestProject('fuzz', env);
