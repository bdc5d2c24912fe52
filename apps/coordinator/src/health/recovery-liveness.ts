import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { TransactionEvents } from '../events/transaction-events';

/** What the readiness check knows about the recovery loop, in epoch milliseconds. */
export interface RecoveryTimes {
  /** When this process started watching: the first pass is only due one interval later. */
  since: number;
  /** When the last pass ended without failing, if one did. */
  lastCompletedAt: number | null;
  /** When the pass in progress began, if one is running. */
  runningSince: number | null;
}

/**
 * The loop is live when a pass ended within three intervals (counted from
 * the start when none has yet), or a pass is running and younger than a
 * lease: a pass waiting on slow participants is working, one older than
 * its leases is hung.
 */
export function recoveryIsLive(
  times: RecoveryTimes,
  now: number,
  intervalMs: number,
  passLimitMs: number,
): boolean {
  if (times.runningSince !== null && now - times.runningSince <= passLimitMs) return true;
  return now - (times.lastCompletedAt ?? times.since) <= 3 * intervalMs;
}

/** Watches the recovery loop's passes through the coordinator's events, for `GET /health/ready`. */
@Injectable()
export class RecoveryLiveness implements OnModuleInit, OnModuleDestroy {
  private readonly times: RecoveryTimes = {
    since: Date.now(),
    lastCompletedAt: null,
    runningSince: null,
  };
  private unsubscribe: () => void = () => undefined;

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    private readonly events: TransactionEvents,
  ) {}

  onModuleInit(): void {
    this.times.since = Date.now();
    this.unsubscribe = this.events.subscribe({
      recoveryPassStarted: ({ at }) => {
        this.times.runningSince = at;
      },
      recoveryPassCompleted: ({ at }) => {
        this.times.lastCompletedAt = at;
        this.times.runningSince = null;
      },
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** Whether the loop is live now, and when its last pass ended. */
  check(now = Date.now()): { live: boolean; lastRunAt: string | null } {
    const { lastCompletedAt } = this.times;
    return {
      live: recoveryIsLive(
        this.times,
        now,
        this.config.recoveryIntervalMs,
        this.config.retry.leaseMs,
      ),
      lastRunAt: lastCompletedAt === null ? null : new Date(lastCompletedAt).toISOString(),
    };
  }
}
