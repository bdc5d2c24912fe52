import { residentBytes } from './apps';

/** A process's resident memory over a load, in MiB. */
export interface RssSummary {
  startMiB: number;
  maxMiB: number;
  endMiB: number;
  samples: number;
}

const MIB = 1024 * 1024;

/** Samples `pid`'s resident memory now and every `intervalMs` until the returned stop is called. */
export function watchRss(pid: number, intervalMs = 1000): () => RssSummary {
  const samples: number[] = [];
  const sample = (): void => {
    const bytes = residentBytes(pid);
    if (bytes !== null) samples.push(bytes);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return () => {
    clearInterval(timer);
    sample();
    const round = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
    return {
      startMiB: round(samples[0] ?? 0),
      maxMiB: round(Math.max(0, ...samples)),
      endMiB: round(samples[samples.length - 1] ?? 0),
      samples: samples.length,
    };
  };
}
