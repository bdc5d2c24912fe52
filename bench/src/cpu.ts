import { readFileSync } from 'node:fs';

/** Where the machine's CPU went during a load, in cores (1 = one core busy the whole time). */
export interface CpuShares {
  /** Per watched process, by name. */
  processes: Record<string, number>;
  /** This benchmark's own process (the load generator). */
  bench: number;
  /** Every other busy core: PostgreSQL, and anything else running on the box. */
  rest: number;
  /** Cores left idle. */
  idle: number;
}

// Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common platform.
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process so far; 0 when it cannot be read (not Linux, gone). */
function processSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Busy and idle CPU seconds of the whole machine so far, or null off Linux. */
function machineSeconds(): { busy: number; idle: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return {
      busy: (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND,
      idle: (idle + iowait) / TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/**
 * Starts measuring where CPU time goes: the named processes, this one, and
 * the rest of the machine. The returned function ends the measurement.
 */
export function watchCpu(pids: Record<string, number>): () => CpuShares {
  const started = performance.now();
  const before = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, processSeconds(pid)]),
  );
  const ownBefore = process.cpuUsage();
  const machineBefore = machineSeconds();
  return () => {
    const wall = (performance.now() - started) / 1000;
    const cores = (seconds: number) => Math.round((seconds / wall) * 100) / 100;
    const processes = Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, cores(processSeconds(pid) - before[name])]),
    );
    const own = process.cpuUsage(ownBefore);
    const bench = cores((own.user + own.system) / 1e6);
    const machineAfter = machineSeconds();
    if (!machineBefore || !machineAfter) return { processes, bench, rest: 0, idle: 0 };
    const busy = cores(machineAfter.busy - machineBefore.busy);
    const watched = Object.values(processes).reduce((sum, value) => sum + value, bench);
    return {
      processes,
      bench,
      rest: Math.max(0, Math.round((busy - watched) * 100) / 100),
      idle: cores(machineAfter.idle - machineBefore.idle),
    };
  };
}
