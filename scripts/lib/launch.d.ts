/** PATH, HOME, TMPDIR, TZ, LANG and LC_ALL from this process, for a hermetic child environment. */
export function inheritedEnv(): Record<string, string>;

/** A launched process that exited during start or never became healthy. */
export class LaunchError extends Error {
  /** The name it was launched under. */
  app: string;
  /** Its last output lines. */
  tail: string[];
}

/** What to run and where its output goes. */
export interface LaunchOptions<N extends string = string> {
  name: N;
  /** The script node runs. */
  entry: string;
  /** Where it answers, as written in a URL (`[::1]` for IPv6); default 127.0.0.1. */
  host?: string;
  port: number;
  /** The child's whole environment (`PORT` is added). */
  env: Record<string, string | undefined>;
  /** Node options placed before the entry point. */
  nodeFlags?: readonly string[];
  /** Every output line is appended here. */
  logFile?: string;
  /** Called with every output line. */
  onLine?: (line: string) => void;
  /** Default 60 s. */
  healthTimeoutMs?: number;
  /** SIGKILL this long after SIGTERM; default 10 s. */
  stopGraceMs?: number;
}

/** A healthy child process and the handles to drive it. */
export interface Launched<N extends string = string> {
  name: N;
  url: string;
  port: number;
  /** Pid of the current process (changes on restart). */
  readonly pid: number;
  running(): boolean;
  /** Resolves with the exit code or signal of the current process. */
  exited(): Promise<number | string | null>;
  /** Sends a signal without waiting (SIGKILL simulates a crash). */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it is gone. */
  stop(): Promise<void>;
  /** Stops it if it runs and starts it again on the same port with `env` on top of its environment. */
  restart(env?: Record<string, string>): Promise<void>;
  /** Its last output lines. */
  tail(): string[];
}

/** Starts `node [nodeFlags] entry` and resolves once `GET /health` answers 200. */
export function launch<N extends string>(options: LaunchOptions<N>): Promise<Launched<N>>;
