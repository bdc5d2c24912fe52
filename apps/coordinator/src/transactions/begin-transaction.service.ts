import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { ErrorCode, TccError } from '@app/protocol';
import { traceparentOf } from '@app/tracing';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { DEADLINE_REASON, reasonForFailedTry } from '../domain/reasons';
import type { CallTarget, TransactionRecord } from '../domain/records';
import { TransactionEvents } from '../events/transaction-events';
import { TransactionLog } from '../log/transaction-log.repository';
import { ParticipantRegistry } from '../participants/participant-registry.service';
import { Decider } from '../tcc/decider';
import { Step, TransactionProcessor, decided } from '../tcc/transaction-processor';
import { TryPhase, TryResult, firstFailure } from '../tcc/try-phase';
import { BeginTransactionDto } from './dto/begin-transaction.dto';
import type { TransactionReply } from './replies';
import { hashRequest } from './request-hash';
import { TransactionReader } from './transaction-reader.service';

function invalid(field: string, message: string): TccError {
  return new TccError(ErrorCode.ValidationFailed, `${field}: ${message}`, {
    errors: [{ field, messages: [message] }],
  });
}

/** `POST /v1/transactions`: log, try every branch, and with autoCommit decide and finish. */
@Injectable()
export class BeginTransaction {
  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly log: TransactionLog,
    private readonly registry: ParticipantRegistry,
    private readonly tries: TryPhase,
    private readonly decider: Decider,
    private readonly processor: TransactionProcessor,
    private readonly reader: TransactionReader,
    private readonly events: TransactionEvents,
  ) {}

  async execute(
    dto: BeginTransactionDto,
    idempotencyKey: string | null,
    caller: string,
  ): Promise<TransactionReply> {
    const autoCommit = dto.autoCommit ?? true;
    const timeoutMs = dto.timeoutMs ?? this.config.defaultTimeoutMs;
    if (autoCommit && dto.branches.length === 0) {
      throw invalid('branches', 'must not be empty when autoCommit is true');
    }
    if (timeoutMs > this.config.maxTimeoutMs) {
      throw invalid('timeoutMs', `must not be greater than ${this.config.maxTimeoutMs}`);
    }
    const requestHash =
      idempotencyKey === null
        ? null
        : hashRequest({ branches: dto.branches, timeoutMs: dto.timeoutMs ?? null, autoCommit });
    const branches = dto.branches.map((branch) => ({ id: randomUUID(), ...branch }));
    const begun = await this.log.insertTransactionWithBranches(this.manager, {
      id: randomUUID(),
      timeoutMs,
      autoCommit,
      idempotencyKey,
      requestHash,
      caller,
      // The request's transaction span, which recovery's spans link back to.
      traceParent: traceparentOf(),
      branches,
      leaseOwner: this.config.instanceId,
      leaseMs: this.config.retry.leaseMs,
    });
    if (!begun.logged) {
      // Nothing was logged: either a branch names an unknown participant or action (422)…
      await this.registry.assertKnown(dto.branches);
      if (idempotencyKey === null) {
        throw new TccError(ErrorCode.Conflict, 'The participants changed meanwhile; retry.');
      }
      // …or the idempotency key is taken.
      return this.replay(idempotencyKey, requestHash);
    }
    const { record, targets } = begun;
    this.events.emit('transactionStarted', { id: record.id, caller });
    await this.processor.process(record.id, true, async () => {
      const results = await this.tries.tryAll(record, targets);
      return autoCommit
        ? this.decide(record, targets, results)
        : this.cancelIfUnknown(record, results);
    });
    // The code follows the view: recovery may have finished the transaction since it was processed.
    return this.reader.reply(record.id, autoCommit);
  }

  /**
   * autoCommit: the tries' outcomes and the decision go to the log in one
   * statement: confirm when every try succeeded, else cancel naming the
   * first failed branch.
   */
  private async decide(
    record: TransactionRecord,
    targets: CallTarget[],
    results: TryResult[],
  ): Promise<Step | null> {
    let result = await this.decider.afterTries(record.id, results);
    // Every try succeeded but too late: nobody may confirm now, so the request cancels itself.
    if (
      !firstFailure(results) &&
      result &&
      !result.won &&
      result.record.expired &&
      !result.record.resolved
    ) {
      result = (await this.decider.cancel(record.id, DEADLINE_REASON, 'deadline-passed')) ?? result;
    }
    return decided(result, targets);
  }

  /**
   * Interactive: refusals leave the transaction trying for the client to
   * decide, but a try whose outcome is unknown may hold a reservation
   * nobody can confirm, so it is cancelled at once.
   */
  private async cancelIfUnknown(
    record: TransactionRecord,
    results: TryResult[],
  ): Promise<Step | null> {
    await this.tries.record(record.id, results);
    const unknown = results.find((result) => result.outcome.kind === 'unknown');
    if (!unknown || unknown.outcome.kind !== 'unknown') return { kind: 'unchanged', record };
    return decided(
      await this.decider.cancel(record.id, reasonForFailedTry(unknown.branch, unknown.outcome)),
    );
  }

  /**
   * A repeated key: same body → the stored transaction as it is now, or
   * 410 once retention purged it (its key record says how it ended); other
   * body → 422.
   */
  private async replay(key: string, requestHash: string | null): Promise<TransactionReply> {
    const existing = await this.log.findByIdempotencyKey(this.manager, key);
    if (!existing) {
      // The key's record was purged between the conflicting insert and this read.
      throw new TccError(ErrorCode.Conflict, 'The idempotency key changed meanwhile; retry.');
    }
    if (existing.requestHash !== requestHash) {
      throw new TccError(
        ErrorCode.IdempotencyKeyReused,
        'This Idempotency-Key was used with a different request body.',
      );
    }
    if (existing.kind === 'purged') {
      throw new TccError(
        ErrorCode.TransactionPurged,
        `This Idempotency-Key started transaction ${existing.transactionId}, which ended ` +
          `${existing.finalStatus} and has since been purged; nothing was run again.`,
        { transactionId: existing.transactionId, transactionStatus: existing.finalStatus },
      );
    }
    return this.reader.reply(existing.record.id, existing.record.autoCommit, true);
  }
}
