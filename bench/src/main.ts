import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchOptions, UsageError, parseBenchOptions } from './options';
import { PgServer, findServer, resetStatementStats, topStatements } from './postgres';
import { newestProfile, summariseProfile } from './profile';
import { ProgressLine } from './progress';
import { BenchResults, allChecksHeld, describeMachine, renderTable } from './report';
import { runBaseline } from './scenarios/baseline';
import { runFlashSale } from './scenarios/flash-sale';
import { runHotSku } from './scenarios/hot-sku';
import { runRebalance } from './scenarios/rebalance';
import { AccountsByShard, runTransfer, seedTransferAccounts } from './scenarios/transfer';
import { startSpanSink, noopSpanNs } from './span-sink';
import { BenchStack, startStack } from './stack';

// dist/bench/bench/src/main.js → the repository.
const ROOT = resolve(__dirname, '..', '..', '..', '..');

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function measure(
  options: BenchOptions,
  stack: BenchStack,
  results: BenchResults,
  server: PgServer,
): Promise<void> {
  const progress = new ProgressLine();
  const has = (name: BenchOptions['scenarios'][number]) => options.scenarios.includes(name);
  const durationMs = options.durationS * 1000;
  const warmupMs = options.warmupS * 1000;
  let accounts: AccountsByShard = [];
  const transfers =
    has('transfer') ||
    has('transfer-unbatched') ||
    has('transfer-ungrouped') ||
    has('transfer-traced') ||
    has('latency');
  if (transfers || options.soakS > 0) {
    accounts = await seedTransferAccounts(stack, options.accounts, progress);
  }
  if (has('transfer')) {
    const counting =
      options.pgStats && (await resetStatementStats(stack.databases.coordinator.url));
    if (options.pgStats && !counting) {
      say('--pg-stats: this server does not preload pg_stat_statements (try --embedded)');
    }
    const transfer = await runTransfer(stack, accounts, {
      label: 'transfer',
      concurrency: options.concurrency,
      durationMs,
      warmupMs,
      progress,
    });
    results.transfer = {
      ...transfer,
      concurrency: options.concurrency,
      durationS: options.durationS,
    };
    if (counting) {
      say("\nstatements by total time during the transfer (all of the run's databases):");
      const { coordinator, inventory, shards } = stack.databases;
      const names = [coordinator, inventory, ...shards].map((db) => db.name);
      for (const s of await topStatements(stack.databases.coordinator.url, names, 25)) {
        const where = s.database.replace(/^tcc_bench_|_[0-9a-f]{8}$/g, '');
        say(
          `  ${s.totalMs.toFixed(0).padStart(6)} ms ${String(s.calls).padStart(6)} calls ${s.meanMs.toFixed(3)} ms + plan ${s.meanPlanMs.toFixed(3)} ms  ${where.padEnd(5)} ${s.query.slice(0, 120)}`,
        );
      }
    }
  }
  /** The transfer again with the coordinator restarted with `off` set, then restarted as it was. */
  const transferWithout = async (
    label: string,
    off: Record<string, string>,
    on: Record<string, string>,
  ) => {
    await stack.restartApp('coordinator', off);
    try {
      const run = await runTransfer(stack, accounts, {
        label,
        concurrency: options.concurrency,
        durationMs,
        warmupMs,
        progress,
      });
      return { ...run, concurrency: options.concurrency, durationS: options.durationS };
    } finally {
      await stack.restartApp('coordinator', on);
    }
  };
  if (has('transfer-unbatched')) {
    // Every phase call on its own request: what batching buys.
    results.transferUnbatched = await transferWithout(
      'transfer, unbatched',
      { TCC_BATCH_CALLS: 'false' },
      { TCC_BATCH_CALLS: 'true' },
    );
  }
  if (has('transfer-ungrouped')) {
    // Every log write its own transaction and commit: what group commit buys.
    results.transferUngrouped = await transferWithout(
      'transfer, log writes ungrouped',
      { TCC_GROUP_COMMIT: 'false' },
      { TCC_GROUP_COMMIT: 'true' },
    );
  }
  if (has('transfer-traced')) {
    results.transferTraced = await runTracedTransfer(options, stack, accounts, progress);
    results.noopSpanNs = await noopSpanNs();
  }
  if (has('latency')) {
    const single = await runTransfer(stack, accounts, {
      label: 'latency, one client',
      concurrency: 1,
      durationMs,
      warmupMs,
      progress,
    });
    results.latency = { ...single, concurrency: 1, durationS: options.durationS };
  }
  if (has('baseline')) {
    const baseline = await runBaseline(server, {
      accounts: options.accounts,
      connections: options.concurrency,
      durationMs,
      warmupMs,
      progress,
    });
    results.baseline = {
      ...baseline,
      connections: options.concurrency,
      durationS: options.durationS,
    };
    if (results.transfer) results.transferToBaseline = results.transfer.txPerS / baseline.txPerS;
  }
  if (has('flash-sale')) {
    results.flashSale = await runFlashSale(stack, {
      stock: options.flashStock,
      buyers: options.buyers,
      progress,
    });
  }
  if (has('hot-sku')) {
    const hot = await runHotSku(stack, {
      callers: options.hotCallers,
      durationMs,
      warmupMs,
      progress,
    });
    results.hotSku = { ...hot, callers: options.hotCallers, durationS: options.durationS };
  }
  if (options.soakS > 0) {
    const soak = await runTransfer(stack, accounts, {
      label: 'soak',
      concurrency: options.concurrency,
      durationMs: options.soakS * 1000,
      // It follows the other scenarios: the apps are warm.
      warmupMs: 0,
      progress,
    });
    results.soak = {
      durationS: options.soakS,
      txPerS: soak.txPerS,
      errors: soak.errors,
      rss: soak.rss,
    };
  }
  if (has('rebalance')) {
    // Last: it leaves the account app with a third shard, then stops it.
    results.rebalance = await runRebalance(stack, server, {
      accounts: Math.max(options.accounts, 1_000),
      concurrency: options.concurrency,
      durationMs,
      warmupMs,
      progress,
    });
  }
}

/**
 * The transfer with tracing on in all three apps, exporting OTLP
 * (http/protobuf, the default) to a sink in this process that discards it:
 * what tracing costs the apps, without a collector's own cost.
 */
async function runTracedTransfer(
  options: BenchOptions,
  stack: BenchStack,
  accounts: AccountsByShard,
  progress: ProgressLine,
): Promise<NonNullable<BenchResults['transferTraced']>> {
  const sink = await startSpanSink();
  const apps = ['coordinator', 'inventory', 'account'] as const;
  try {
    for (const app of apps) {
      await stack.restartApp(app, {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_SDK_DISABLED: 'false',
      });
    }
    const traced = await runTransfer(stack, accounts, {
      label: 'transfer, traced',
      concurrency: options.concurrency,
      durationMs: options.durationS * 1000,
      warmupMs: options.warmupS * 1000,
      progress,
      onMeasureStart: () => void sink.take(),
    });
    // From the window's opening to the log's quiet end, so the spans of its last transfers are in.
    const exported = sink.take();
    return {
      ...traced,
      concurrency: options.concurrency,
      durationS: options.durationS,
      protocol: 'http/protobuf',
      exportRequests: exported.requests,
      exportKiBPerTransfer: exported.bytes / 1024 / Math.max(traced.completed, 1),
    };
  } finally {
    // Off again for the scenarios that follow.
    for (const app of apps) await stack.restartApp(app, { OTEL_SDK_DISABLED: 'true' });
    await sink.stop();
  }
}

/** Prints where each app's CPU went, from the profiles `--cpu-prof` had them write. */
function printProfiles(dir: string): void {
  for (const app of ['coordinator', 'inventory', 'account']) {
    const file = newestProfile(join(dir, app));
    if (!file) continue;
    const summary = summariseProfile(file, 25);
    say(
      `\n${app} CPU profile ${file} (${(summary.total / 1000).toFixed(1)} s sampled), self time:`,
    );
    for (const entry of summary.origins)
      say(`  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
    say('top functions:');
    for (const entry of summary.functions)
      say(`  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
  }
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2), ROOT);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) say(error.message);
    say(error.usage);
    return 2;
  }
  const server = await findServer(options);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    machine: describeMachine(server.description),
  };
  say(
    `bench: ${results.machine.cpu}, ${results.machine.cores} cores, ${server.description}, Node ${process.version}`,
  );
  const logDir = join(ROOT, 'bench', 'results', `logs-${results.startedAt.replace(/[:.]/g, '-')}`);
  let stack: BenchStack | null = null;
  const cleanUp = async (): Promise<void> => {
    await stack?.stop();
    stack = null;
    await server.stop();
  };
  // Ctrl-C still stops the apps and drops the databases.
  process.once('SIGINT', () => {
    say('\ninterrupted: stopping the apps and dropping the databases');
    void cleanUp().finally(() => process.exit(130));
  });
  try {
    stack = await startStack({
      server,
      buildDir: options.buildDir,
      logDir,
      logLevel: options.logLevel,
      nodeFlags: (app) => {
        const flags =
          app === 'coordinator' && options.coordinatorHeapMiB !== null
            ? [...options.nodeOptions, `--max-old-space-size=${options.coordinatorHeapMiB}`]
            : options.nodeOptions;
        if (!options.cpuProfDir) return flags;
        const dir = join(options.cpuProfDir, app);
        mkdirSync(dir, { recursive: true });
        return [...flags, '--cpu-prof', `--cpu-prof-dir=${dir}`];
      },
    });
    say(`apps started from ${options.buildDir}; their logs go to ${logDir}`);
    await measure(options, stack, results, server);
  } finally {
    await cleanUp();
  }
  process.stdout.write(`\n${renderTable(results)}\n`);
  if (options.out) {
    writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
    say(`results written to ${options.out}`);
  }
  if (options.cpuProfDir) printProfiles(options.cpuProfDir);
  const held = allChecksHeld(results);
  if (!held) say('a correctness check failed: see the table');
  return held ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // SQLSTATE 53300: the server's max_connections is used up, often by other work on a shared server.
    if ((error as { code?: string }).code === '53300') {
      say(
        'bench failed: PostgreSQL refuses more connections (max_connections); run with --embedded',
      );
    } else {
      say(
        `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    process.exit(1);
  },
);
