#!/usr/bin/env node
// npm run test:chaos -- [--size N | --minutes M] [--seed S] [--proxy-faults] [--db-restarts]
// Runs the chaos test (test/chaos) with N transactions, or for M minutes (a
// soak: the first coordinator is spared from kills and its memory sampled
// every minute), and seed S: the seed picks the transactions and every
// fault schedule, so a failing run can be repeated. --proxy-faults puts a
// fault-injecting proxy on every link and disturbs them; --db-restarts stops
// and starts the PostgreSQL servers of the log and the inventory.
// Defaults: 2000 transactions, seed 1, SIGKILLs only (`npm test` makes the same run with 1000).
const path = require('node:path');
const { parseOptions, positiveInt, runJestProject } = require('./lib/jest-run');

const values = parseOptions(
  {
    size: { type: 'string', default: '2000' },
    minutes: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'proxy-faults': { type: 'boolean', default: false },
    'db-restarts': { type: 'boolean', default: false },
  },
  'npm run test:chaos -- [--size N | --minutes M] [--seed S] [--proxy-faults] [--db-restarts]',
);
runJestProject(
  'fault',
  {
    CHAOS_SIZE: positiveInt('size', values.size),
    CHAOS_MINUTES: values.minutes === undefined ? '0' : positiveInt('minutes', values.minutes),
    CHAOS_SEED: positiveInt('seed', values.seed),
    CHAOS_PROXY_FAULTS: values['proxy-faults'] ? '1' : '0',
    CHAOS_DB_RESTARTS: values['db-restarts'] ? '1' : '0',
  },
  [path.join('test', 'chaos', 'chaos.chaos-spec.ts')],
);
