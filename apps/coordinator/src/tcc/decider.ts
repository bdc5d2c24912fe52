import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { TransactionStatus } from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { reasonForFailedTry } from '../domain/reasons';
import type { CancelReason, TransactionRecord } from '../domain/records';
import { BranchCalls, Decision, NO_CALLS, decidedStatus } from '../domain/state-machine';
import { StatusChanges, StatusGuard } from '../log/status-changes';
import { TransactionLog } from '../log/transaction-log.repository';
import { TryPhase, TryResult, firstFailure } from './try-phase';

/** Result of trying to log a decision: whether this writer's CAS won, and what is stored now. */
export interface DecideResult {
  won: boolean;
  record: TransactionRecord;
}

/**
 * Logs decisions. The decision is committed before any confirm or cancel is
 * sent, and the writer takes the transaction's lease with it. When the CAS
 * loses, the stored record tells the caller which decision to follow.
 */
@Injectable()
export class Decider {
  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly changes: StatusChanges,
    private readonly log: TransactionLog,
    private readonly tries: TryPhase,
  ) {}

  /**
   * Records a round of tries and decides in the same statement: confirm
   * when every try succeeded (and every other branch is TRIED, before the
   * deadline), else cancel naming the first failed branch.
   */
  afterTries(id: string, results: TryResult[]): Promise<DecideResult | null> {
    const failure = firstFailure(results);
    const calls = this.tries.calls(results);
    return failure
      ? this.decide(
          id,
          'cancel',
          'none',
          reasonForFailedTry(failure.branch, failure.outcome),
          calls,
        )
      : this.decide(id, 'confirm', 'all-tried-before-deadline', undefined, calls);
  }

  /** Decides confirm: only while TRYING, every branch TRIED and the deadline not passed. */
  confirm(id: string): Promise<DecideResult | null> {
    return this.decide(id, 'confirm', 'all-tried-before-deadline');
  }

  /** Decides cancel for `reason`; `deadline-passed` restricts it to abandoned transactions. */
  cancel(
    id: string,
    reason: CancelReason,
    guard: Extract<StatusGuard, 'none' | 'deadline-passed'> = 'none',
  ): Promise<DecideResult | null> {
    return this.decide(id, 'cancel', guard, reason);
  }

  /** Null only when the transaction does not exist. */
  private async decide(
    id: string,
    decision: Decision,
    guard: StatusGuard,
    reason?: CancelReason,
    calls: BranchCalls = NO_CALLS,
  ): Promise<DecideResult | null> {
    const { record } = await this.changes.casStatusRecording(
      this.manager,
      {
        id,
        from: TransactionStatus.Trying,
        to: decidedStatus(decision),
        guard,
        lease: { owner: this.config.instanceId, ms: this.config.retry.leaseMs },
        event: decision === 'confirm' ? 'DECIDE_CONFIRM' : 'DECIDE_CANCEL',
        detail: reason ? { reason: reason.text, code: reason.code } : undefined,
        reason,
      },
      calls,
    );
    if (record) return { won: true, record };
    const stored = await this.log.findTransaction(this.manager, id);
    return stored ? { won: false, record: stored } : null;
  }
}
