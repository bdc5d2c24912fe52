import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { trace } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';
import { TccAttributes, inSpan } from '@app/tracing';
import type { CallOutcome } from '../domain/call-outcome';
import type { CallTarget } from '../domain/records';
import { BranchCalls, tryCalls } from '../domain/state-machine';
import { BranchLog } from '../log/branch-log.repository';
import { ParticipantClient } from '../participants/participant-client';
import { TransactionEvents } from '../events/transaction-events';

const tracer = trace.getTracer('coordinator');

/** A try's outcome. */
export interface TryResult {
  branch: CallTarget;
  outcome: CallOutcome;
}

/**
 * Phase 1: sends the tries of logged PENDING branches, in parallel. The
 * outcomes are recorded after the round, in one statement: on their own,
 * or together with the decision they lead to.
 */
@Injectable()
export class TryPhase {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly client: ParticipantClient,
    private readonly branches: BranchLog,
    private readonly events: TransactionEvents,
  ) {}

  /** Sends every try and waits for all of them; records nothing. */
  tryAll(transaction: { id: string; deadline: Date }, targets: CallTarget[]): Promise<TryResult[]> {
    const attributes = {
      [TccAttributes.TransactionId]: transaction.id,
      [TccAttributes.Phase]: 'try',
    };
    return inSpan(tracer, 'tcc.try', { attributes }, () => this.round(transaction, targets));
  }

  private async round(
    transaction: { id: string; deadline: Date },
    targets: CallTarget[],
  ): Promise<TryResult[]> {
    const started = Date.now();
    const results = await Promise.all(
      targets.map(async (branch): Promise<TryResult> => ({
        branch,
        outcome: await this.client.call(
          branch,
          'try',
          { transactionId: transaction.id, branchId: branch.id, payload: branch.payload },
          transaction.deadline.getTime(),
        ),
      })),
    );
    this.events.emit('phaseCompleted', {
      id: transaction.id,
      phase: 'try',
      durationMs: Date.now() - started,
    });
    return results;
  }

  /** How a round of tries is recorded, for a statement that also decides. */
  calls(results: readonly TryResult[]): BranchCalls {
    return tryCalls(
      results.map((result) => ({ branchId: result.branch.id, outcome: result.outcome })),
    );
  }

  /**
   * Records a round of tries on its own; returns the ids of the branches it
   * recorded (a branch missing was settled first, by a cancel).
   */
  async record(transactionId: string, results: readonly TryResult[]): Promise<Set<string>> {
    const recorded = await this.branches.recordCalls(
      this.manager,
      transactionId,
      this.calls(results),
    );
    return new Set(recorded.map((call) => call.id));
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
