import { ProgressLine, bar } from './progress';

/** What one request of a load ended as; `stop` retires its caller (the stock is gone). */
export type Outcome = { ok: true } | { ok: false; error: string } | 'stop';

/** Counts and latencies of one load. */
export interface LoadResult {
  completed: number;
  errors: number;
  elapsedMs: number;
  /** Latencies of the successful requests, ascending. */
  latenciesMs: number[];
  /** A few distinct error texts, for the report. */
  errorSamples: string[];
}

/** What {@link closedLoop} runs. */
export interface LoadSpec {
  label: string;
  /** Callers, each sending its next request as soon as the previous one is answered. */
  callers: number;
  /** Stop after this long; null: run until every caller is retired. */
  durationMs: number | null;
  /**
   * Load this long first and count none of it, so the apps' JIT and pools
   * are warm when the measured window opens; 0 or absent: none.
   */
  warmupMs?: number;
  /** Called as the measured window opens (to start watching CPU or memory). */
  onMeasureStart?(): void;
  request(caller: number): Promise<Outcome>;
  progress: ProgressLine;
  /** Text appended to the progress line. */
  status?(): string;
}

/** The `q` quantile (0…1) of ascending values, nearest rank; 0 when there are none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * A closed-loop load: a fixed number of callers, each waiting for its
 * answer before sending again, so the rate measured is what the system
 * sustains at that concurrency rather than what an open loop offers it.
 */
export async function closedLoop(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const samples = new Set<string>();
  let errors = 0;
  const warmupMs = spec.durationMs === null ? 0 : (spec.warmupMs ?? 0);
  const started = performance.now() + warmupMs;
  const until = spec.durationMs === null ? Infinity : started + spec.durationMs;
  let warm = warmupMs === 0;
  if (warm) spec.onMeasureStart?.();
  const opening = warm
    ? null
    : setTimeout(() => {
        warm = true;
        spec.onMeasureStart?.();
      }, warmupMs);
  const show = (): void => {
    if (!warm) {
      spec.progress.update(`${spec.label}, warming up for ${warmupMs / 1000} s`);
      return;
    }
    const elapsed = performance.now() - started;
    const rate = latencies.length / Math.max(elapsed / 1000, 0.001);
    const head =
      spec.durationMs === null
        ? `${spec.label} ${(elapsed / 1000).toFixed(1)} s`
        : `${spec.label} ${bar(elapsed / spec.durationMs)} ${(elapsed / 1000).toFixed(0)}/${spec.durationMs / 1000} s`;
    spec.progress.update(
      `${head}  ${latencies.length} ok  ${rate.toFixed(0)}/s  ${errors} errors${spec.status ? `  ${spec.status()}` : ''}`,
    );
  };
  const ticker = setInterval(show, 250);
  const caller = async (index: number): Promise<void> => {
    while (performance.now() < until) {
      const sent = performance.now();
      let outcome: Outcome;
      try {
        outcome = await spec.request(index);
      } catch (error) {
        outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      if (outcome === 'stop') return;
      if (sent < started) continue;
      if (outcome.ok) {
        latencies.push(performance.now() - sent);
      } else {
        errors += 1;
        if (samples.size < 5) samples.add(outcome.error.slice(0, 200));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.callers }, (_, index) => caller(index)));
  } finally {
    clearInterval(ticker);
    if (opening) clearTimeout(opening);
  }
  show();
  spec.progress.done();
  return {
    completed: latencies.length,
    errors,
    elapsedMs: performance.now() - started,
    latenciesMs: latencies.sort((a, b) => a - b),
    errorSamples: [...samples],
  };
}
