/** How much one fuzz property runs, and from which seed. */
export interface FuzzSettings {
  seed: number;
  runs: number;
}

function positive(name: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * The seed and size of a fuzz property: `FUZZ_SEED` and `FUZZ_RUNS` (set by
 * `npm run fuzz -- --seed S --runs N`), else a fresh seed and the small
 * `npm test` size. `scale` turns the requested runs into this property's
 * runs (a sequence costs as much as dozens of single requests). The seed is
 * printed, so any run can be replayed.
 */
export function fuzzSettings(property: string, defaultRuns: number, scale = 1): FuzzSettings {
  const seed = process.env.FUZZ_SEED
    ? positive('FUZZ_SEED', process.env.FUZZ_SEED)
    : (Date.now() ^ (process.pid << 8)) >>> 0;
  const requested = process.env.FUZZ_RUNS ? positive('FUZZ_RUNS', process.env.FUZZ_RUNS) : null;
  const runs = requested === null ? defaultRuns : Math.max(1, Math.round(requested * scale));
  // The --runs that gives this property the same number of runs again.
  const replayRuns = requested ?? Math.round(defaultRuns / scale);
  process.stdout.write(
    `\nfuzz ${property}: seed ${seed}, ${runs} runs (replay: npm run fuzz -- --seed ${seed} --runs ${replayRuns})\n`,
  );
  return { seed, runs };
}
