import { residentBytes } from './apps';

/** A process's resident memory over a load, in MiB. */
export interface RssSummary {
  startMiB: number;
  maxMiB: number;
  endMiB: number;
  samples: number;
  /** The highest sample of each whole minute of the load: flat when memory does not grow. */
  minuteMaxMiB: number[];
}

const MIB = 1024 * 1024;

/** Samples `pid`'s resident memory now and every `intervalMs` until the returned stop is called. */
export function watchRss(pid: number, intervalMs = 1000): () => RssSummary {
  const samples: number[] = [];
  const minuteMax: number[] = [];
  const startedAt = Date.now();
  const sample = (): void => {
    const bytes = residentBytes(pid);
    if (bytes === null) return;
    samples.push(bytes);
    const minute = Math.floor((Date.now() - startedAt) / 60_000);
    minuteMax[minute] = Math.max(minuteMax[minute] ?? 0, bytes);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return () => {
    clearInterval(timer);
    sample();
    const round = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
    const wholeMinutes = Math.floor((Date.now() - startedAt) / 60_000);
    return {
      startMiB: round(samples[0] ?? 0),
      maxMiB: round(Math.max(0, ...samples)),
      endMiB: round(samples[samples.length - 1] ?? 0),
      samples: samples.length,
      minuteMaxMiB: minuteMax.slice(0, wholeMinutes).map((bytes) => round(bytes ?? 0)),
    };
  };
}
