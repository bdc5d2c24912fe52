import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { ErrorCode, TccError, TransactionStatus } from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { OPERATOR_CANCEL_REASON } from '../domain/reasons';
import { isPhaseTwo } from '../domain/state-machine';
import type { TransactionRecord } from '../domain/records';
import { TransactionEvents } from '../events/transaction-events';
import { Leases } from '../log/leases.repository';
import { StatusChanges } from '../log/status-changes';
import { TransactionLog } from '../log/transaction-log.repository';
import { TransactionProcessor } from '../tcc/transaction-processor';
import { DecideTransaction } from '../transactions/decide-transaction.service';
import type { TransactionReply } from '../transactions/replies';
import { TransactionReader, notFound } from '../transactions/transaction-reader.service';

/** Operator actions: retry phase 2 now, cancel, or resolve by hand. */
@Injectable()
export class AdminService {
  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly log: TransactionLog,
    private readonly leases: Leases,
    private readonly changes: StatusChanges,
    private readonly processor: TransactionProcessor,
    private readonly decide: DecideTransaction,
    private readonly reader: TransactionReader,
    private readonly events: TransactionEvents,
  ) {}

  /** Runs phase 2 of a decided transaction now instead of at its next due time. */
  async retry(id: string): Promise<TransactionReply> {
    const claimed = await this.leases.claimForRetry(
      this.manager,
      id,
      this.config.instanceId,
      this.config.retry.leaseMs,
    );
    if (!claimed) throw this.whyNotRetried(await this.log.findTransaction(this.manager, id), id);
    await this.processor.resume(claimed);
    return this.reader.reply(id);
  }

  /** Cancels a trying transaction, as a client could; idempotent on a cancelled one. */
  cancel(id: string): Promise<TransactionReply> {
    return this.decide.cancel(id, OPERATOR_CANCEL_REASON);
  }

  /**
   * Records that a person settled a decided transaction: nobody calls its
   * participants again, and nothing they answer afterwards is recorded.
   */
  async resolve(id: string, note: string): Promise<TransactionReply> {
    const resolved = await this.changes.setFlag(this.manager, { id, flag: 'resolved', note });
    if (resolved) {
      this.events.emit('transactionResolved', { id, status: resolved.status });
      return this.reader.reply(resolved.id);
    }
    const record = await this.log.findTransaction(this.manager, id);
    // Decided between the attempt and this read: resolvable now (statuses only move forward).
    if (record && !record.resolved && isPhaseTwo(record.status)) return this.resolve(id, note);
    throw this.whyNotResolved(record, id);
  }

  private whyNotResolved(record: TransactionRecord | null, id: string): TccError {
    if (!record) return notFound(id);
    if (record.resolved) {
      return new TccError(ErrorCode.AlreadyFinished, 'The transaction is already resolved.');
    }
    if (record.status === TransactionStatus.Trying) {
      // Nothing is decided, so there is nothing a person could have carried out by hand.
      return new TccError(
        ErrorCode.NotDecided,
        'The transaction is still trying: cancel it first, then resolve it if its cancel cannot finish.',
      );
    }
    return new TccError(
      ErrorCode.AlreadyFinished,
      `The transaction already ended ${record.status}.`,
    );
  }

  private whyNotRetried(record: TransactionRecord | null, id: string): TccError {
    if (!record) return notFound(id);
    if (record.resolved) {
      return new TccError(ErrorCode.AlreadyFinished, 'The transaction was resolved by hand.');
    }
    switch (record.status) {
      case TransactionStatus.Trying:
        return new TccError(ErrorCode.Conflict, 'The transaction is not decided yet.');
      case TransactionStatus.Confirmed:
      case TransactionStatus.Cancelled:
        return new TccError(ErrorCode.AlreadyFinished, `The transaction ended ${record.status}.`);
      case TransactionStatus.Confirming:
      case TransactionStatus.Cancelling:
        return new TccError(ErrorCode.Conflict, 'Another coordinator is working on it right now.');
    }
  }
}
