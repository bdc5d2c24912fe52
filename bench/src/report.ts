import { cpus, loadavg } from 'node:os';
import type { CpuShares } from './cpu';
import type { RssSummary } from './rss';
import type { BaselineResult } from './scenarios/baseline';
import type { FlashSaleResult } from './scenarios/flash-sale';
import type { HotSkuMode, HotSkuResult } from './scenarios/hot-sku';
import type { RebalanceResult } from './scenarios/rebalance';
import type { TransferResult } from './scenarios/transfer';

/** A transfer load and how it was run. */
export type TimedTransfer = TransferResult & { concurrency: number; durationS: number };

/** Where a run was made. */
export interface Machine {
  cpu: string;
  cores: number;
  postgres: string;
  node: string;
  /** 1-minute load average when the run started: other work on the box skews every figure. */
  loadAtStart: number;
}

/** Everything one run measured; scenarios left out with `--only` are absent. */
export interface BenchResults {
  startedAt: string;
  command: string;
  machine: Machine;
  transfer?: TimedTransfer;
  /** The same load with TCC_BATCH_CALLS=false. */
  transferUnbatched?: TimedTransfer;
  /** The same load with TCC_GROUP_COMMIT=false. */
  transferUngrouped?: TimedTransfer;
  /** The same load with tracing on in all three apps, exported over OTLP to a local sink. */
  transferTraced?: TimedTransfer & {
    protocol: string;
    exportRequests: number;
    exportKiBPerTransfer: number;
  };
  /** Nanoseconds one span costs with tracing off (the API's no-op). */
  noopSpanNs?: number;
  /** The same transfers from one client: latency without queueing. */
  latency?: TimedTransfer;
  baseline?: BaselineResult & { connections: number; durationS: number };
  /** transfer tx/s ÷ baseline tx/s. */
  transferToBaseline?: number;
  flashSale?: FlashSaleResult;
  hotSku?: HotSkuResult & { callers: number; durationS: number };
  soak?: { durationS: number; txPerS: number; errors: number; rss: RssSummary };
  rebalance?: RebalanceResult;
}

/** The machine this process runs on. */
export function describeMachine(postgres: string): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    postgres,
    node: process.version,
    loadAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
}

const int = (value: number): string => Math.round(value).toLocaleString('en-US');
const ms = (value: number): string => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
const yes = (value: boolean): string => (value ? 'yes' : '**NO**');
const cpu = (shares: CpuShares): string =>
  [
    ...Object.entries(shares.processes).map(([name, cores]) => `${name} ${cores}`),
    `load generator ${shares.bench}`,
    `rest of the machine ${shares.rest}`,
    `idle ${shares.idle}`,
  ].join(', ');
const rss = (value: RssSummary): string =>
  `start ${value.startMiB} MiB, max ${value.maxMiB} MiB, end ${value.endMiB} MiB` +
  (value.minuteMaxMiB.length > 1
    ? `; highest in each minute: ${value.minuteMaxMiB.join(', ')} MiB`
    : '');

function hotRow(mode: HotSkuMode, callers: number, durationS: number): string {
  return (
    `| hot SKU at the participant, ${mode.batched ? 'batched' : 'unbatched'} (${callers} callers, ${durationS} s) ` +
    `| ${int(mode.reservationsPerS)} reservations/s, p99 ${ms(mode.p99Ms)}, ${mode.errors} errors; ` +
    `sell-out of ${mode.sellOutStock}: ${mode.sellOutGranted} granted, oversold ${mode.oversold}; ` +
    `reserved = granted: ${yes(mode.counted)} |`
  );
}

function transferRow(what: string, t: TimedTransfer): string {
  return (
    `| ${what} (${t.concurrency} ${t.concurrency === 1 ? 'client' : 'clients'}, ${t.durationS} s) ` +
    `| ${int(t.txPerS)} tx/s, p50 ${ms(t.p50Ms)}, p95 ${ms(t.p95Ms)}, p99 ${ms(t.p99Ms)}, ${t.errors} errors; ` +
    `money conserved: ${yes(t.moneyConserved)}, nothing frozen: ${yes(t.nothingFrozen)} |`
  );
}

/** CPU time each process spent per completed transfer, and all of them together. */
function cpuPerTransfer(t: TimedTransfer): string {
  const msPerTx = (cores: number) => (cores * t.durationS * 1000) / Math.max(t.completed, 1);
  const busy = Object.entries(t.cpu.processes).filter(([, cores]) => cores > 0);
  const total = busy.reduce((sum, [, cores]) => sum + msPerTx(cores), 0);
  const each = busy.map(([name, cores]) => `${name} ${msPerTx(cores).toFixed(1)} ms`).join(', ');
  return `CPU per transfer: ${each}; all processes ${total.toFixed(1)} ms`;
}

/** The results as a Markdown table (docs/performance.md holds one), with the machine line. */
export function renderTable(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    `machine: ${m.cpu}, ${m.cores} cores, ${m.postgres}, Node ${m.node}; load average ${m.loadAtStart} at start`,
    `command: ${results.command}`,
    '',
    '| scenario | result |',
    '| --- | --- |',
  ];
  const t = results.transfer;
  if (t) lines.push(transferRow('transfer, cross-shard debit + credit', t));
  const u = results.transferUnbatched;
  if (u) {
    lines.push(transferRow('transfer, phase calls unbatched (TCC_BATCH_CALLS=false)', u));
    if (t) lines.push(`| transfer batched ÷ unbatched | ${(t.txPerS / u.txPerS).toFixed(2)}× |`);
  }
  const g = results.transferUngrouped;
  if (g) {
    lines.push(transferRow('transfer, log writes ungrouped (TCC_GROUP_COMMIT=false)', g));
    if (t) lines.push(`| transfer grouped ÷ ungrouped | ${(t.txPerS / g.txPerS).toFixed(2)}× |`);
  }
  const traced = results.transferTraced;
  if (traced) {
    lines.push(
      transferRow(
        `transfer, traced (every app exports OTLP ${traced.protocol} to a local sink)`,
        traced,
      ),
      `| spans exported during the traced transfer | ${int(traced.exportRequests)} export requests, ` +
        `${traced.exportKiBPerTransfer.toFixed(2)} KiB per transfer |`,
    );
    if (t) lines.push(`| transfer traced ÷ untraced | ${(traced.txPerS / t.txPerS).toFixed(2)}× |`);
  }
  if (results.noopSpanNs !== undefined) {
    lines.push(
      `| one span with tracing off (the no-op of @opentelemetry/api) | ${Math.round(results.noopSpanNs)} ns |`,
    );
  }
  const l = results.latency;
  if (l) lines.push(transferRow('transfer from one client', l));
  const b = results.baseline;
  if (b) {
    const ratio =
      results.transferToBaseline === undefined
        ? ''
        : `; transfer / baseline = ${results.transferToBaseline.toFixed(3)}`;
    lines.push(
      `| baseline, the same two UPDATEs in one local transaction (${b.connections} connections, ${b.durationS} s) ` +
        `| ${int(b.txPerS)} tx/s, ${b.errors} errors${ratio} |`,
    );
  }
  const f = results.flashSale;
  if (f) {
    lines.push(
      `| flash sale through the coordinator, reserve + debit + credit (${int(f.stock)} units, ${f.buyers} buyers) ` +
        `| ${int(f.purchasesPerS)} confirmed purchases/s, sold out in ${f.sellOutS.toFixed(1)} s, ` +
        `${f.confirmed} sold, ${f.unsold} left unsold, oversold ${f.oversold}, ${f.errors} purchases failed and retried; ` +
        `stock, orders and money agree: ${yes(f.consistent)} |`,
      `| cores busy during the flash sale | ${cpu(f.cpu)} |`,
    );
  }
  const h = results.hotSku;
  if (h) {
    lines.push(
      hotRow(h.unbatched, h.callers, h.durationS),
      hotRow(h.batched, h.callers, h.durationS),
    );
    lines.push(
      `| batched ÷ unbatched | ${h.ratio.toFixed(1)}× |`,
      `| batched reservations settled one by one | ${h.barrier.sample} sampled: ${h.barrier.confirmed} confirmed, ` +
        `${h.barrier.cancelled} cancelled; repeats answered as stored: ${yes(h.barrier.repeatsAsStored)}; ` +
        `stock moved exactly: ${yes(h.barrier.stockMatches)} |`,
    );
  }
  if (t) {
    lines.push(`| cores busy during the transfer | ${cpu(t.cpu)}; ${cpuPerTransfer(t)} |`);
    if (u)
      lines.push(
        `| cores busy during the unbatched transfer | ${cpu(u.cpu)}; ${cpuPerTransfer(u)} |`,
      );
    if (g)
      lines.push(
        `| cores busy during the ungrouped transfer | ${cpu(g.cpu)}; ${cpuPerTransfer(g)} |`,
      );
    if (traced)
      lines.push(
        `| cores busy during the traced transfer | ${cpu(traced.cpu)}; ${cpuPerTransfer(traced)} |`,
      );
    lines.push(`| coordinator RSS during the transfer | ${rss(t.rss)} |`);
  }
  const s = results.soak;
  if (s) {
    lines.push(
      `| coordinator RSS, ${s.durationS} s soak of transfers | ${rss(s.rss)} (${int(s.txPerS)} tx/s, ${s.errors} errors) |`,
    );
  }
  const r = results.rebalance;
  if (r) {
    lines.push(
      `| rebalance: a third shard added under transfers (${int(r.accounts)} accounts, ${r.concurrency} clients) ` +
        `| ${int(r.moved)} accounts moved in ${r.moveS.toFixed(1)} s = ${int(r.accountsPerS)} accounts/s; ` +
        `transfers before ${int(r.before.txPerS)} tx/s, p99 ${ms(r.before.p99Ms)}; ` +
        `during the move ${int(r.during.txPerS)} tx/s, p99 ${ms(r.during.p99Ms)}, ${r.during.errors} errors; ` +
        `money conserved: ${yes(r.moneyConserved)} |`,
    );
  }
  return lines.join('\n');
}

/** Whether every correctness check of the run held (the exit code says so). */
export function allChecksHeld(results: BenchResults): boolean {
  const checks: boolean[] = [];
  for (const transfer of [
    results.transfer,
    results.transferUnbatched,
    results.transferUngrouped,
    results.transferTraced,
    results.latency,
  ]) {
    if (transfer) checks.push(transfer.moneyConserved, transfer.nothingFrozen);
  }
  if (results.flashSale)
    checks.push(results.flashSale.oversold === 0, results.flashSale.consistent);
  if (results.hotSku) {
    const { unbatched, batched, barrier } = results.hotSku;
    for (const mode of [unbatched, batched]) {
      checks.push(mode.oversold === 0, mode.counted, mode.sellOutGranted === mode.sellOutStock);
    }
    checks.push(barrier.repeatsAsStored, barrier.stockMatches);
    checks.push(barrier.confirmed + barrier.cancelled === barrier.sample);
  }
  if (results.rebalance) checks.push(results.rebalance.moneyConserved);
  return checks.every(Boolean);
}
