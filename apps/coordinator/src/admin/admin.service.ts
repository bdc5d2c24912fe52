import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { ErrorCode, TccError, TransactionStatus } from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { OPERATOR_CANCEL_REASON } from '../domain/reasons';
import type { TransactionRecord } from '../domain/records';
import { TransactionEvents } from '../events/transaction-events';
import { Leases } from '../log/leases.repository';
import { TransactionFlags } from '../log/transaction-flags.repository';
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
    private readonly flags: TransactionFlags,
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

  /** Records that a person settled the transaction: nobody calls its participants again. */
  async resolve(id: string, note: string): Promise<TransactionReply> {
    const resolved = await this.flags.markResolved(this.manager, id, note);
    if (resolved) {
      this.events.emit('transactionResolved', { id, status: resolved.status });
      return this.reader.reply(resolved.id);
    }
    const record = await this.log.findTransaction(this.manager, id);
    if (!record) throw notFound(id);
    throw new TccError(
      ErrorCode.AlreadyFinished,
      record.resolved
        ? 'The transaction is already resolved.'
        : `The transaction already ended ${record.status}.`,
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
