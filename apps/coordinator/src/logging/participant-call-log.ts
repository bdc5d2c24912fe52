import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TransactionEvents } from '../events/transaction-events';

/**
 * One log line per participant call: who was called for which branch, how
 * it went and how long it took. With JSON logs each field is a key; the
 * request line a call happened under shares its `requestId`.
 */
@Injectable()
export class ParticipantCallLog implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ParticipantCall');
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly events: TransactionEvents) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe({
      participantCalled: (call) => {
        const line = {
          msg: `${call.participant} ${call.action} ${call.phase}: ${call.outcome}`,
          participant: call.participant,
          action: call.action,
          phase: call.phase,
          transactionId: call.transactionId,
          branchId: call.branchId,
          outcome: call.outcome,
          status: call.status,
          durationMs: call.durationMs,
        };
        // No answer at all is what an operator looks for; answers, even refusals, are routine.
        if (call.outcome === 'unknown') this.logger.warn(line);
        else this.logger.log(line);
      },
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}
