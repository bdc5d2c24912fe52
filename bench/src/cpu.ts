import { readFileSync, readdirSync } from 'node:fs';

/** Where the machine's CPU went during a load, in cores (1 = one core busy the whole time). */
export interface CpuShares {
  /** Per watched process, by name. */
  processes: Record<string, number>;
  /** This benchmark's own process (the load generator). */
  bench: number;
  /** Every other busy core: anything else running on the box (PostgreSQL too when it is not watched). */
  rest: number;
  /** Cores left idle. */
  idle: number;
}

// Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common platform.
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process so far; 0 when it cannot be read (not Linux, gone). */
function processSeconds(pid: number): number {
  // utime and stime are fields 14 and 15; the command name (field 2) may contain spaces.
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : 0;
}

/** The fields after the command name of /proc/<pid>/stat (field 3 onwards), or null. */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The parent of a process, or null. */
export function parentPid(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : null;
}

/**
 * CPU seconds of a process and all its children: its own time, the time of
 * children it has reaped (which the kernel adds to it), and that of the
 * children alive now. Between two readings the difference counts each
 * child once, whether it lived through the interval, started or ended in it.
 */
function treeSeconds(root: number): number {
  const own = statFields(root);
  if (!own) return 0;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === root) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
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
 * Starts measuring where CPU time goes: the named processes, the named
 * process trees (a PostgreSQL server: its postmaster and every backend),
 * this process, and the rest of the machine. The returned function ends the
 * measurement.
 */
export function watchCpu(
  pids: Record<string, number>,
  trees: Record<string, number> = {},
): () => CpuShares {
  const started = performance.now();
  const read = (): Record<string, number> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processSeconds(pid)])),
    ...Object.fromEntries(Object.entries(trees).map(([name, pid]) => [name, treeSeconds(pid)])),
  });
  const before = read();
  const ownBefore = process.cpuUsage();
  const machineBefore = machineSeconds();
  return () => {
    const wall = (performance.now() - started) / 1000;
    const cores = (seconds: number) => Math.round((seconds / wall) * 100) / 100;
    const after = read();
    const processes = Object.fromEntries(
      Object.keys(before).map((name) => [name, cores(after[name] - before[name])]),
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
