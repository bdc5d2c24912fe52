import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { BranchLog } from '../log/branch-log.repository';
import type { CallTarget } from '../log/records';
import type { CallOutcome } from '../participants/call-outcome';
import { ParticipantClient } from '../participants/participant-client';
import { TransactionEvents } from './transaction-events';

/** A try's outcome, and whether it was recorded (false: a cancel settled the branch first). */
export interface TryResult {
  branch: CallTarget;
  outcome: CallOutcome;
  recorded: boolean;
}

/** Phase 1: sends the tries of logged PENDING branches, in parallel, and records each outcome. */
@Injectable()
export class TryPhase {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly client: ParticipantClient,
    private readonly branches: BranchLog,
    private readonly events: TransactionEvents,
  ) {}

  async tryAll(
    transaction: { id: string; deadline: Date },
    targets: CallTarget[],
  ): Promise<TryResult[]> {
    const started = Date.now();
    const results = await Promise.all(
      targets.map(async (branch): Promise<TryResult> => {
        const outcome = await this.client.call(
          branch,
          'try',
          { transactionId: transaction.id, branchId: branch.id, payload: branch.payload },
          transaction.deadline.getTime(),
        );
        const recorded = await this.branches.recordTryOutcome(this.manager, branch, outcome);
        return { branch, outcome, recorded };
      }),
    );
    this.events.emit('phaseCompleted', {
      id: transaction.id,
      phase: 'try',
      durationMs: Date.now() - started,
    });
    return results;
  }
}

/** The first failed try in branch order, which names the cancel's reason. */
export function firstFailure(
  results: TryResult[],
): (TryResult & { outcome: Exclude<CallOutcome, { kind: 'ok' }> }) | null {
  for (const result of results) {
    if (result.outcome.kind !== 'ok') {
      return result as TryResult & { outcome: Exclude<CallOutcome, { kind: 'ok' }> };
    }
  }
  return null;
}
