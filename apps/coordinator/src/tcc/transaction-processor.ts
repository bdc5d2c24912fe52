import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { TransactionStatus, isFinalTransactionStatus } from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { DEADLINE_REASON } from '../domain/reasons';
import type { CallTarget, TransactionRecord } from '../domain/records';
import { retryDelayMs } from '../domain/retry-policy';
import { TransactionEvents } from '../events/transaction-events';
import { Leases } from '../log/leases.repository';
import { DecideResult, Decider } from './decider';
import { PhaseTwo } from './phase-two';

/** Where a caller's step left the transaction. */
export type Step =
  /** A decision was attempted; phase 2 follows it when it is this process's to run. */
  | { kind: 'decided'; result: DecideResult; over?: CallTarget[] }
  /** A claimed decided transaction: phase 2 resumes. */
  | { kind: 'resumed'; record: TransactionRecord }
  /** Nothing was decided. */
  | { kind: 'unchanged'; record: TransactionRecord };

/** What processing left: the stored transaction, and whether this process's decision won. */
export interface Processed {
  record: TransactionRecord;
  won: boolean;
}

/** The step of a decision attempt; a null result (no such transaction) stays null. */
export function decided(result: DecideResult | null, over?: CallTarget[]): Step | null {
  return result ? { kind: 'decided', result, over } : null;
}

/**
 * Every use case that drives a transaction goes through here: after the
 * caller's own step (its tries, its decision, or a claim) the processor
 * runs phase 2 when a decision is this process's to carry out (marking
 * branches stuck on the way), and hands the lease back in `finally`, with
 * the backoff of the retry policy, unless the transaction finished
 * (finishing releases it). The lease is what a crash leaves behind, so it
 * is handed back whatever happened in between.
 */
@Injectable()
export class TransactionProcessor {
  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly leases: Leases,
    private readonly decider: Decider,
    private readonly phaseTwo: PhaseTwo,
    private readonly events: TransactionEvents,
  ) {}

  /**
   * Runs `step` on transaction `id`, then phase 2, then gives the lease
   * back. `leased`: this process already holds the lease (it created or
   * claimed the transaction); otherwise it holds it only when its decision
   * wins, and a decision it lost is left to whoever holds the lease. Null
   * when the transaction does not exist.
   */
  async process(
    id: string,
    leased: boolean,
    step: () => Promise<Step | null>,
  ): Promise<Processed | null> {
    let holds = leased;
    let settled: TransactionRecord | null = null;
    try {
      const done = await step();
      if (!done) return null;
      const won = done.kind === 'decided' && done.result.won;
      holds ||= won;
      settled = await this.carryOut(done, leased);
      return { record: settled, won };
    } finally {
      if (holds && !(settled && isFinalTransactionStatus(settled.status))) {
        await this.handBack(id, settled?.attempts ?? 0);
      }
    }
  }

  /** Phase 2 where the step calls for it; returns what is stored afterwards. */
  private async carryOut(done: Step, leased: boolean): Promise<TransactionRecord> {
    switch (done.kind) {
      case 'decided': {
        const { result, over } = done;
        // A decision lost to a writer of this same process (the request that created it) is
        // still this process's to finish; a request that merely raced it leaves it alone.
        const ours = result.won || (leased && result.record.leaseOwner === this.config.instanceId);
        return ours
          ? this.phaseTwo.run(result.record, result.won ? over : undefined)
          : result.record;
      }
      case 'resumed':
        this.events.emit('phaseTwoRetried', {
          id: done.record.id,
          status: done.record.status,
          attempts: done.record.attempts,
        });
        return this.phaseTwo.run(done.record);
      case 'unchanged':
        return done.record;
    }
  }

  /**
   * Carries on with a transaction this process claimed (recovery, or an
   * operator's retry): a trying one past its deadline is cancelled, a
   * decided one gets phase 2 again.
   */
  async resume(claimed: TransactionRecord): Promise<TransactionRecord> {
    const processed = await this.process(claimed.id, true, () => this.advance(claimed));
    return processed?.record ?? claimed;
  }

  private async advance(record: TransactionRecord): Promise<Step> {
    switch (record.status) {
      case TransactionStatus.Trying: {
        // Claimed at its deadline; the log's clock, not ours, says whether it has passed.
        if (!record.expired) return { kind: 'unchanged', record };
        const result = await this.decider.cancel(record.id, DEADLINE_REASON, 'deadline-passed');
        return result ? { kind: 'decided', result } : { kind: 'unchanged', record };
      }
      case TransactionStatus.Confirming:
      case TransactionStatus.Cancelling:
        return { kind: 'resumed', record };
      case TransactionStatus.Confirmed:
      case TransactionStatus.Cancelled:
        return { kind: 'unchanged', record };
    }
  }

  /**
   * Releases this process's lease: recovery looks again at the deadline
   * while the transaction is trying, or after the backoff for its next
   * phase-2 attempt (`attempts` made so far) while that is unfinished.
   */
  private async handBack(id: string, attempts: number): Promise<void> {
    const delay = retryDelayMs(this.config.retry, attempts + 1);
    await this.leases.releaseLease(this.manager, id, this.config.instanceId, delay);
  }
}
