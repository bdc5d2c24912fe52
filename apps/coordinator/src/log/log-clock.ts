import { Injectable } from '@nestjs/common';

/**
 * The log database's clock. Deadlines, leases and backoff are computed by
 * PostgreSQL's `now()`, never by a process clock, so several coordinators
 * agree on time; tests shift it with {@link advance} instead of sleeping.
 */
@Injectable()
export class LogClock {
  private offsetMs = 0;

  /** SQL expression for the current time of the log, offset included. */
  get now(): string {
    // The offset is an integer this class owns, never request input, so inlining it is safe.
    return this.offsetMs === 0 ? 'now()' : `(now() + interval '${this.offsetMs} milliseconds')`;
  }

  /** Moves the log's clock forward by `ms` (tests only need forward). */
  advance(ms: number): void {
    this.offsetMs += Math.trunc(ms);
  }
}
