import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { BranchStatus, ErrorCode, MAX_BRANCHES, TccError } from '@app/protocol';
import { BranchLog } from '../log/branch-log.repository';
import type { BranchRecord } from '../domain/records';
import { TransactionLog } from '../log/transaction-log.repository';
import { ParticipantRegistry } from '../participants/participant-registry.service';
import { Decider } from '../tcc/decider';
import { TransactionProcessor, decided } from '../tcc/transaction-processor';
import { reasonForFailedTry } from '../domain/reasons';
import { TryPhase } from '../tcc/try-phase';
import { BranchDto } from './dto/branch.dto';
import type { BranchReply } from './replies';
import { canonicalJson } from './request-hash';
import { notFound } from './transaction-reader.service';
import { toBranchView } from './transaction-view';

/** `POST /v1/transactions/:id/branches`: log one more branch of a trying transaction and try it. */
@Injectable()
export class AddBranch {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly log: TransactionLog,
    private readonly branches: BranchLog,
    private readonly registry: ParticipantRegistry,
    private readonly tries: TryPhase,
    private readonly decider: Decider,
    private readonly processor: TransactionProcessor,
  ) {}

  async execute(
    transactionId: string,
    dto: BranchDto,
    idempotencyKey: string | null,
  ): Promise<BranchReply> {
    await this.registry.assertKnown([dto]);
    const added = await this.branches.insertBranchWhileTrying(
      this.manager,
      transactionId,
      { id: randomUUID(), participant: dto.participant, action: dto.action, payload: dto.payload },
      idempotencyKey,
    );
    switch (added.kind) {
      case 'not-found':
        throw notFound(transactionId);
      case 'not-trying':
        throw new TccError(ErrorCode.NotTrying, `The transaction is ${added.status}.`);
      case 'deadline-passed':
        throw new TccError(ErrorCode.NotTrying, 'The transaction is past its deadline.');
      case 'too-many':
        throw new TccError(
          ErrorCode.ValidationFailed,
          `A transaction has at most ${MAX_BRANCHES} branches.`,
          { errors: [{ field: 'branches', messages: [`at most ${MAX_BRANCHES} branches`] }] },
        );
      case 'existing':
        return this.replay(added.branch, dto);
      case 'inserted':
        return this.tryBranch(transactionId, added.branch, added.deadline);
    }
  }

  private async tryBranch(
    transactionId: string,
    branch: BranchRecord,
    deadline: Date,
  ): Promise<BranchReply> {
    const targets = await this.log.findCallTargets(this.manager, [branch.id]);
    const [result] = await this.tries.tryAll({ id: transactionId, deadline }, targets);
    const recorded = (await this.tries.record(transactionId, [result])).has(branch.id);
    const current = (await this.log.findBranch(this.manager, branch.id)) ?? branch;
    const view = toBranchView(current);
    switch (result.outcome.kind) {
      case 'ok':
        if (!recorded) {
          // A cancel decided meanwhile reached this branch first; the participant was told.
          throw new TccError(ErrorCode.NotTrying, 'The transaction was cancelled meanwhile.', {
            branch: view,
          });
        }
        return { httpStatus: 200, branch: view, replayed: false };
      case 'refused':
        return {
          httpStatus: 200,
          branch: view,
          replayed: false,
          problem: new TccError(
            ErrorCode.TryRefused,
            `The participant refused the try: ${result.outcome.detail}`,
            { branch: view, reasonCode: result.outcome.code },
          ),
        };
      case 'unknown':
        throw await this.cancelForUnknownTry(transactionId, branch, result.outcome.error);
    }
  }

  /**
   * The participant may hold a reservation for a try nobody will ever
   * confirm, so the transaction is decided cancel, and phase 2 (which
   * includes this PENDING branch) runs before the client hears 502.
   */
  private async cancelForUnknownTry(
    transactionId: string,
    branch: BranchRecord,
    error: string,
  ): Promise<TccError> {
    const processed = await this.processor.process(transactionId, false, async () =>
      decided(
        await this.decider.cancel(
          transactionId,
          reasonForFailedTry(branch, { kind: 'unknown', error }),
        ),
      ),
    );
    const current = (await this.log.findBranch(this.manager, branch.id)) ?? branch;
    return new TccError(
      ErrorCode.TryOutcomeUnknown,
      `The try's outcome is unknown (${error}); the transaction is cancelled.`,
      { branch: toBranchView(current), transactionStatus: processed?.record.status },
    );
  }

  /** A repeated key returns the branch it created and tries nothing; another body is refused. */
  private replay(branch: BranchRecord, dto: BranchDto): BranchReply {
    const same =
      branch.participant === dto.participant &&
      branch.action === dto.action &&
      canonicalJson(branch.payload) === canonicalJson(dto.payload);
    if (!same) {
      throw new TccError(
        ErrorCode.IdempotencyKeyReused,
        'This Idempotency-Key was used for a different branch of this transaction.',
      );
    }
    const view = toBranchView(branch);
    switch (branch.status) {
      case BranchStatus.TryFailed:
        return {
          httpStatus: 200,
          branch: view,
          replayed: true,
          problem: new TccError(
            ErrorCode.TryRefused,
            `The try was refused: ${branch.lastError ?? ''}`,
            {
              branch: view,
            },
          ),
        };
      case BranchStatus.Pending:
        return { httpStatus: 202, branch: view, replayed: true };
      case BranchStatus.Tried:
      case BranchStatus.Confirmed:
      case BranchStatus.Cancelled:
        return { httpStatus: 200, branch: view, replayed: true };
    }
  }
}
