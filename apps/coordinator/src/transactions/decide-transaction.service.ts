import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import {
  BranchStatus,
  ErrorCode,
  TccError,
  TransactionStatus,
  isFinalTransactionStatus,
} from '@app/protocol';
import type { CancelReason, TransactionRecord } from '../log/records';
import { TransactionLog } from '../log/transaction-log.repository';
import { Decider } from '../tcc/decider';
import { Handover } from '../tcc/handover';
import { PhaseTwo } from '../tcc/phase-two';
import type { TransactionReply } from './replies';
import { TransactionReader, notFound } from './transaction-reader.service';
import { httpStatusFor } from './transaction-view';

/**
 * `POST /v1/transactions/:id/confirm` and `/cancel`. Whichever decision's
 * CAS lands first wins; the other request re-reads and answers by the
 * stored decision: the same answer when it agrees, 409 when it does not.
 */
@Injectable()
export class DecideTransaction {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly log: TransactionLog,
    private readonly decider: Decider,
    private readonly phaseTwo: PhaseTwo,
    private readonly handover: Handover,
    private readonly reader: TransactionReader,
  ) {}

  async confirm(id: string): Promise<TransactionReply> {
    return this.confirmFrom(await this.load(id));
  }

  async cancel(id: string, reason: CancelReason): Promise<TransactionReply> {
    return this.cancelFrom(await this.load(id), reason);
  }

  private async confirmFrom(record: TransactionRecord): Promise<TransactionReply> {
    switch (record.status) {
      case TransactionStatus.Trying: {
        this.assertOpen(record);
        if (record.expired) throw deadlinePassed();
        const decided = await this.decider.confirm(record.id);
        if (!decided) throw notFound(record.id);
        if (decided.won) return this.finish(decided.record);
        if (decided.record.status !== TransactionStatus.Trying) {
          return this.confirmFrom(decided.record);
        }
        if (decided.record.expired) throw deadlinePassed();
        throw await this.notAllTried(record.id);
      }
      case TransactionStatus.Confirming:
      case TransactionStatus.Confirmed:
        return this.reply(record);
      case TransactionStatus.Cancelling:
      case TransactionStatus.Cancelled:
        throw alreadyDecided(record);
    }
  }

  private async cancelFrom(
    record: TransactionRecord,
    reason: CancelReason,
  ): Promise<TransactionReply> {
    switch (record.status) {
      case TransactionStatus.Trying: {
        this.assertOpen(record);
        const decided = await this.decider.cancel(record.id, reason);
        if (!decided) throw notFound(record.id);
        if (decided.won) return this.finish(decided.record);
        return this.cancelFrom(decided.record, reason);
      }
      case TransactionStatus.Cancelling:
      case TransactionStatus.Cancelled:
        return this.reply(record);
      case TransactionStatus.Confirming:
      case TransactionStatus.Confirmed:
        throw alreadyDecided(record);
    }
  }

  /** Phase 2 under the lease the decision took, then the lease goes back to recovery. */
  private async finish(decided: TransactionRecord): Promise<TransactionReply> {
    let settled = decided;
    try {
      settled = await this.phaseTwo.run(decided);
    } finally {
      // Finishing released the lease already; only an unfinished transaction is handed back.
      if (!isFinalTransactionStatus(settled.status)) {
        await this.handover.release(decided.id, settled.attempts);
      }
    }
    return this.reply(settled);
  }

  private async reply(record: TransactionRecord): Promise<TransactionReply> {
    // The code follows the view, which may be newer than `record` (recovery works meanwhile).
    const view = await this.reader.view(record.id);
    return { httpStatus: httpStatusFor(view.status, true), view, replayed: false };
  }

  private async load(id: string): Promise<TransactionRecord> {
    const record = await this.log.findTransaction(this.manager, id);
    if (!record) throw notFound(id);
    return record;
  }

  private assertOpen(record: TransactionRecord): void {
    if (record.resolved) {
      throw new TccError(409, ErrorCode.AlreadyFinished, 'The transaction was resolved by hand.');
    }
  }

  private async notAllTried(id: string): Promise<TccError> {
    const open = (await this.log.findBranches(this.manager, id)).filter(
      (branch) => branch.status !== BranchStatus.Tried,
    );
    return new TccError(
      409,
      ErrorCode.NotAllTried,
      `Every branch must be TRIED to confirm; not yet: ${open
        .map((branch) => `${branch.id} (${branch.status})`)
        .join(', ')}.`,
    );
  }
}

function alreadyDecided(record: TransactionRecord): TccError {
  return new TccError(
    409,
    ErrorCode.AlreadyDecided,
    `The transaction is already ${record.status}.`,
    {
      transactionStatus: record.status,
    },
  );
}

function deadlinePassed(): TccError {
  return new TccError(409, ErrorCode.DeadlinePassed, 'The transaction is past its deadline.');
}
