import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** The scenarios one run can measure, in the order they run. */
export const SCENARIOS = [
  'transfer',
  'transfer-unbatched',
  'transfer-ungrouped',
  'transfer-traced',
  'latency',
  'baseline',
  'flash-sale',
  'hot-sku',
  'rebalance',
] as const;

/** One of {@link SCENARIOS}. */
export type Scenario = (typeof SCENARIOS)[number];

/** Everything `npm run bench -- …` can be told. */
export interface BenchOptions {
  /** Seconds of each timed load (transfer, baseline, each hot-SKU mode). */
  durationS: number;
  /** Seconds of unmeasured load before each timed one, so the apps are warm. */
  warmupS: number;
  /** Concurrent clients of the transfer and the baseline. */
  concurrency: number;
  accounts: number;
  /** Concurrent buyers of the flash sale. */
  buyers: number;
  /** Units of the flash-sale SKU. */
  flashStock: number;
  /** Concurrent callers straight at the inventory participant. */
  hotCallers: number;
  /** Seconds of an extra transfer run watching the coordinator's memory; 0: none. */
  soakS: number;
  scenarios: Scenario[];
  /** Where to write the results as JSON, or null. */
  out: string | null;
  /** Directory for the apps' V8 CPU profiles (`node --cpu-prof`, one folder per app), or null. */
  cpuProfDir: string | null;
  /** Print the log database's most expensive statements (needs pg_stat_statements). */
  pgStats: boolean;
  /** The build to measure: a directory holding `apps/<app>/main.js`. */
  buildDir: string;
  /** Maintenance-database URL of the server to use; null: 127.0.0.1:5432 if it answers, else embedded. */
  pgUrl: string | null;
  /** Start an embedded PostgreSQL even when 127.0.0.1:5432 answers. */
  embedded: boolean;
  logLevel: string;
  /** Node flags for every app (`--max-old-space-size=128`). */
  nodeOptions: string[];
  /** The coordinator's V8 old-space limit in MiB (`--max-old-space-size`), or null for V8's own. */
  coordinatorHeapMiB: number | null;
}

const USAGE = `npm run bench -- [options]
  --duration S       seconds of each timed load (default 20)
  --warmup S         seconds of unmeasured load before each timed one (default 5)
  --concurrency N    clients of the transfer and the baseline (default 32)
  --accounts N       accounts of the transfer (default 1000)
  --buyers N         concurrent flash-sale buyers (default 400)
  --flash-stock N    units of the flash-sale SKU (default 5000)
  --hot-callers N    concurrent callers of the hot-SKU run (default 400)
  --soak S           then transfer for S more seconds watching the coordinator's memory
  --only LIST        comma-separated: ${SCENARIOS.join(', ')} (default: all)
  --out FILE         also write the results as JSON
  --cpu-prof DIR     profile the apps (node --cpu-prof, DIR/<app>) and print their top functions
  --pg-stats         print the log's most expensive statements (pg_stat_statements)
  --build-dir DIR    the build to measure (default dist)
  --pg-url URL       PostgreSQL maintenance URL (default 127.0.0.1:5432, else embedded)
  --embedded         use an embedded PostgreSQL even when 127.0.0.1:5432 answers
  --log-level L      LOG_LEVEL of the apps (default info)
  --node-options=F   node flags for every app, e.g. --node-options=--max-old-space-size=128
  --coordinator-heap MIB  the coordinator's --max-old-space-size, as docker/compose.yaml sets it (default: V8's)`;

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {
  readonly usage = USAGE;
}

function count(name: string, raw: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function scenarioList(raw: string): Scenario[] {
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !SCENARIOS.includes(name as Scenario));
  if (unknown.length > 0) {
    throw new UsageError(`--only: unknown scenario ${unknown.join(', ')}`);
  }
  return SCENARIOS.filter((scenario) => names.includes(scenario));
}

/** Parses the arguments after `npm run bench --`; throws {@link UsageError}. */
export function parseBenchOptions(argv: string[], root: string): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string', default: '20' },
        warmup: { type: 'string', default: '5' },
        concurrency: { type: 'string', default: '32' },
        accounts: { type: 'string', default: '1000' },
        buyers: { type: 'string', default: '400' },
        'flash-stock': { type: 'string', default: '5000' },
        'hot-callers': { type: 'string', default: '400' },
        soak: { type: 'string', default: '0' },
        only: { type: 'string' },
        out: { type: 'string' },
        'cpu-prof': { type: 'string' },
        'pg-stats': { type: 'boolean', default: false },
        'build-dir': { type: 'string' },
        'pg-url': { type: 'string' },
        embedded: { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'info' },
        'node-options': { type: 'string', default: '' },
        'coordinator-heap': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) throw new UsageError('');
  return {
    durationS: count('duration', values.duration, 1, 3600),
    warmupS: count('warmup', values.warmup, 0, 600),
    concurrency: count('concurrency', values.concurrency, 1, 1000),
    accounts: count('accounts', values.accounts, 2, 1_000_000),
    buyers: count('buyers', values.buyers, 1, 10_000),
    flashStock: count('flash-stock', values['flash-stock'], 1, 10_000_000),
    hotCallers: count('hot-callers', values['hot-callers'], 1, 10_000),
    soakS: count('soak', values.soak, 0, 86_400),
    scenarios: values.only === undefined ? [...SCENARIOS] : scenarioList(values.only),
    out: values.out === undefined ? null : resolve(values.out),
    cpuProfDir: values['cpu-prof'] === undefined ? null : resolve(values['cpu-prof']),
    pgStats: values['pg-stats'],
    buildDir: resolve(values['build-dir'] ?? resolve(root, 'dist')),
    pgUrl: values['pg-url'] ?? null,
    embedded: values.embedded,
    logLevel: values['log-level'],
    nodeOptions: values['node-options'].split(/\s+/).filter((flag) => flag !== ''),
    coordinatorHeapMiB:
      values['coordinator-heap'] === undefined
        ? null
        : count('coordinator-heap', values['coordinator-heap'], 16, 65536),
  };
}
