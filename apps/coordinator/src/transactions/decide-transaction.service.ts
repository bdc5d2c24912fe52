import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { BranchStatus, ErrorCode, TccError, TransactionStatus } from '@app/protocol';
import type { CancelReason, TransactionRecord } from '../domain/records';
import { TransactionLog } from '../log/transaction-log.repository';
import { DecideResult, Decider } from '../tcc/decider';
import { Processed, TransactionProcessor, decided } from '../tcc/transaction-processor';
import type { TransactionReply } from './replies';
import { TransactionReader, notFound } from './transaction-reader.service';

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
    private readonly processor: TransactionProcessor,
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
        const processed = await this.decide(record.id, () => this.decider.confirm(record.id));
        if (processed.won) return this.reader.reply(processed.record.id);
        if (processed.record.status !== TransactionStatus.Trying) {
          return this.confirmFrom(processed.record);
        }
        if (processed.record.expired) throw deadlinePassed();
        throw await this.notAllTried(record.id);
      }
      case TransactionStatus.Confirming:
      case TransactionStatus.Confirmed:
        return this.reader.reply(record.id);
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
        const processed = await this.decide(record.id, () =>
          this.decider.cancel(record.id, reason),
        );
        if (processed.won) return this.reader.reply(processed.record.id);
        return this.cancelFrom(processed.record, reason);
      }
      case TransactionStatus.Cancelling:
      case TransactionStatus.Cancelled:
        return this.reader.reply(record.id);
      case TransactionStatus.Confirming:
      case TransactionStatus.Confirmed:
        throw alreadyDecided(record);
    }
  }

  /**
   * A decision and, when its CAS wins, phase 2 under the lease it took; a
   * lost one returns what is stored, for the caller to follow.
   */
  private async decide(id: string, decide: () => Promise<DecideResult | null>): Promise<Processed> {
    const processed = await this.processor.process(id, false, async () => decided(await decide()));
    if (!processed) throw notFound(id);
    return processed;
  }

  private async load(id: string): Promise<TransactionRecord> {
    const record = await this.log.findTransaction(this.manager, id);
    if (!record) throw notFound(id);
    return record;
  }

  private assertOpen(record: TransactionRecord): void {
    if (record.resolved) {
      throw new TccError(ErrorCode.AlreadyFinished, 'The transaction was resolved by hand.');
    }
  }

  private async notAllTried(id: string): Promise<TccError> {
    const open = (await this.log.findBranches(this.manager, id)).filter(
      (branch) => branch.status !== BranchStatus.Tried,
    );
    return new TccError(
      ErrorCode.NotAllTried,
      `Every branch must be TRIED to confirm; not yet: ${open
        .map((branch) => `${branch.id} (${branch.status})`)
        .join(', ')}.`,
    );
  }
}

function alreadyDecided(record: TransactionRecord): TccError {
  return new TccError(ErrorCode.AlreadyDecided, `The transaction is already ${record.status}.`, {
    transactionStatus: record.status,
  });
}

function deadlinePassed(): TccError {
  return new TccError(ErrorCode.DeadlinePassed, 'The transaction is past its deadline.');
}
