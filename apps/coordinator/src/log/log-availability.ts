import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Between two probes of an unreachable log database. */
const PROBE_INTERVAL_MS = 500;
/** A probe that takes longer counts as a failure: a blackholed server must not hold it. */
const PROBE_TIMEOUT_MS = 2000;

// SQLSTATEs meaning the server cannot serve this session now: class 08 (connection exception),
// admin/crash shutdown, "the database system is starting up", too many connections.
const UNAVAILABLE_STATES = /^(08|57P0[123]$|53300$)/;
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// node-postgres reports a lost or unobtainable connection with these messages and no code.
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Connection closed/i;

/**
 * True when `error` says the database could not be reached or dropped the
 * connection, rather than refusing a statement: the outage the coordinator
 * answers with 503 instead of a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    driverError?: { code?: unknown; message?: unknown };
  };
  for (const layer of [candidate, candidate?.driverError]) {
    if (!layer) continue;
    const code = typeof layer.code === 'string' ? layer.code : '';
    if (UNAVAILABLE_ERRNOS.has(code) || UNAVAILABLE_STATES.test(code)) return true;
    if (typeof layer.message === 'string' && UNAVAILABLE_MESSAGES.test(layer.message)) return true;
  }
  return false;
}

/** Why the log is unreachable, and since when. */
export interface LogOutage {
  since: string;
  reason: string;
}

/**
 * Knows whether the transaction log's database answers. A failure that
 * looks like an outage starts a probe; while the probe fails, requests are
 * answered 503 at once instead of each waiting on a connection attempt,
 * and as soon as it succeeds they go through again, with no restart.
 */
@Injectable()
export class LogAvailability implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LogAvailability.name);
  private current: LogOutage | null = null;
  private probing = false;
  private stopped = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    // An idle pooled connection the server closes (a shutdown, a failover) is the first sign.
    const pool = (this.dataSource.driver as unknown as { master?: NodeJS.EventEmitter }).master;
    pool?.on('error', (error: unknown) => this.noteFailure(error));
  }

  onModuleDestroy(): void {
    this.stopped = true;
  }

  /** The outage in progress, or null while the log answers. */
  outage(): LogOutage | null {
    return this.current;
  }

  /**
   * Looks at a failed database call; when it was an outage, checks the
   * database (unless a check already runs) and returns true.
   */
  noteFailure(error: unknown): boolean {
    if (!isDatabaseUnavailable(error)) return false;
    if (!this.probing && !this.stopped) {
      const reason = error instanceof Error ? error.message : String(error);
      this.probe(reason).catch(() => undefined);
    }
    return true;
  }

  private async probe(reason: string): Promise<void> {
    this.probing = true;
    try {
      while (!this.stopped) {
        const failure = await this.ping();
        if (failure === null) {
          if (this.current) this.logger.log(`The transaction log answers again`);
          this.current = null;
          return;
        }
        if (!this.current) {
          this.current = { since: new Date().toISOString(), reason: failure || reason };
          this.logger.error(`The transaction log is unreachable: ${this.current.reason}`);
        } else {
          this.current.reason = failure || this.current.reason;
        }
        await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      }
    } finally {
      this.probing = false;
    }
  }

  /** Null when the database answers a query within the probe timeout, else why not. */
  private async ping(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`no answer within ${PROBE_TIMEOUT_MS} ms`),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([
        this.dataSource.query('SELECT 1').then(
          () => null,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
