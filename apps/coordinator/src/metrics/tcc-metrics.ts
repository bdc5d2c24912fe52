import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { ADMIN_CALLER } from '@app/config';
import { PHASES } from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { OverviewQueries } from '../log/overview-queries.repository';

/** How a transaction ended, as `tcc_transactions_finished_total` counts it. */
export type FinishOutcome = 'confirmed' | 'cancelled' | 'resolved';

const FINISH_OUTCOMES: readonly FinishOutcome[] = ['confirmed', 'cancelled', 'resolved'];

// Seconds. Phases span network round trips to several participants; calls are one round trip.
const PHASE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const CALL_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const PASS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The coordinator's Prometheus metrics. They live in a registry of their
 * own, not prom-client's global one, so two coordinators in one process (as
 * in the integration tests) never collide. Labels are bounded: phases,
 * outcomes, participant names from the registry and caller names from the
 * configured keys — never ids.
 */
@Injectable()
export class TccMetrics {
  private readonly logger = new Logger(TccMetrics.name);
  readonly registry = new Registry();

  readonly transactionsStarted = new Counter({
    name: 'tcc_transactions_started_total',
    help: 'Transactions logged (idempotent replays start none), by the API key name that started them.',
    labelNames: ['caller'],
    registers: [this.registry],
  });

  readonly transactionsFinished = new Counter({
    name: 'tcc_transactions_finished_total',
    help: 'Transactions that ended: confirmed, cancelled, or resolved by hand.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly phaseDuration = new Histogram({
    name: 'tcc_phase_duration_seconds',
    help: "One round of a phase over one transaction's branches, calls and log writes included.",
    labelNames: ['phase'],
    buckets: PHASE_BUCKETS,
    registers: [this.registry],
  });

  readonly callDuration = new Histogram({
    name: 'tcc_participant_call_duration_seconds',
    help: 'One call to a participant, by outcome: ok, refused (final 4xx) or unknown (no usable answer).',
    labelNames: ['participant', 'phase', 'outcome'],
    buckets: CALL_BUCKETS,
    registers: [this.registry],
  });

  readonly callErrors = new Counter({
    name: 'tcc_participant_call_errors_total',
    help: 'Participant calls without a usable answer: timeouts, refused connections, 5xx, bad signatures.',
    labelNames: ['participant', 'phase'],
    registers: [this.registry],
  });

  readonly phaseTwoRetries = new Counter({
    name: 'tcc_phase2_retries_total',
    help: 'Phase 2 run again for a decided transaction, by the recovery loop or an operator.',
    registers: [this.registry],
  });

  readonly recoveryPassDuration = new Histogram({
    name: 'tcc_recovery_loop_duration_seconds',
    help: 'One pass of the recovery loop: claim the due transactions and work on them.',
    buckets: PASS_BUCKETS,
    registers: [this.registry],
  });

  readonly recoveryLastRun = new Gauge({
    name: 'tcc_recovery_last_run_timestamp_seconds',
    help: 'When the last recovery pass ended (Unix time).',
    registers: [this.registry],
  });

  readonly stuckTransactions: Gauge;

  constructor(
    @InjectEntityManager() manager: EntityManager,
    overview: OverviewQueries,
    @Inject(COORDINATOR_CONFIG) config: CoordinatorConfig,
  ) {
    const logger = this.logger;
    this.stuckTransactions = new Gauge({
      name: 'tcc_stuck_transactions',
      help: 'Stuck transactions nobody resolved yet (read from the log at each scrape).',
      registers: [this.registry],
      // One count on a partial index per scrape; a failed read keeps the last value.
      async collect() {
        try {
          this.set(await overview.countStuck(manager));
        } catch (error) {
          logger.warn(`Could not count stuck transactions: ${String(error)}`);
        }
      },
    });
    for (const outcome of FINISH_OUTCOMES) this.transactionsFinished.inc({ outcome }, 0);
    const callers = new Set([...config.secrets.apiKeys.map((key) => key.caller), ADMIN_CALLER]);
    for (const caller of callers) this.transactionsStarted.inc({ caller }, 0);
    for (const phase of PHASES) this.phaseDuration.zero({ phase });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The registry in Prometheus text format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
