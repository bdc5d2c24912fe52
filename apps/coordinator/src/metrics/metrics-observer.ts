import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TransactionStatus } from '@app/protocol';
import { TransactionEvents } from '../events/transaction-events';
import { TccMetrics } from './tcc-metrics';

/** Feeds the coordinator's events into its metrics; the TCC code knows nothing of Prometheus. */
@Injectable()
export class MetricsObserver implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly events: TransactionEvents,
    private readonly metrics: TccMetrics,
  ) {}

  onModuleInit(): void {
    const m = this.metrics;
    this.unsubscribe = this.events.subscribe({
      transactionStarted: ({ caller }) => m.transactionsStarted.inc({ caller }),
      transactionFinished: ({ status }) =>
        m.transactionsFinished.inc({
          outcome: status === TransactionStatus.Confirmed ? 'confirmed' : 'cancelled',
        }),
      transactionResolved: () => m.transactionsFinished.inc({ outcome: 'resolved' }),
      phaseCompleted: ({ phase, durationMs }) =>
        m.phaseDuration.observe({ phase }, durationMs / 1000),
      phaseTwoRetried: () => m.phaseTwoRetries.inc(),
      participantCalled: ({ participant, phase, outcome, durationMs }) => {
        m.callDuration.observe({ participant, phase, outcome }, durationMs / 1000);
        if (outcome === 'unknown') m.callErrors.inc({ participant, phase });
      },
      recoveryPassCompleted: ({ at, durationMs }) => {
        m.recoveryPassDuration.observe(durationMs / 1000);
        m.recoveryLastRun.set(at / 1000);
      },
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}
