import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { trace } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';
import { TccAttributes, inSpan } from '@app/tracing';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { describeFailure } from '../domain/call-outcome';
import type { CallTarget, TransactionRecord } from '../domain/records';
import { makesStuck } from '../domain/retry-policy';
import {
  Decision,
  decisionOf,
  finalStatus,
  isPhaseTwo,
  phaseTwoCalls,
} from '../domain/state-machine';
import { TransactionEvents } from '../events/transaction-events';
import { StatusChanges } from '../log/status-changes';
import { TransactionLog } from '../log/transaction-log.repository';
import { ParticipantClient } from '../participants/participant-client';

const tracer = trace.getTracer('coordinator');

/**
 * Phase 2: sends the logged decision to every branch that still owes it, in
 * parallel, and finishes the transaction once none does. Branches are read
 * after the decision committed, so a branch added just before is included.
 */
@Injectable()
export class PhaseTwo {
  private readonly logger = new Logger(PhaseTwo.name);

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly log: TransactionLog,
    private readonly changes: StatusChanges,
    private readonly client: ParticipantClient,
    private readonly events: TransactionEvents,
  ) {}

  /**
   * Runs one round for a decided transaction and returns what is stored
   * afterwards. The calls' outcomes and the end of the transaction (when no
   * branch owes a call any more) are written in one statement. The owed
   * branches are read after the decision committed, unless the caller just
   * decided confirm over `decidedOver` and the transaction has exactly those
   * branches: then all of them owe the confirm, and no branch can be added
   * to a decided transaction.
   */
  async run(record: TransactionRecord, decidedOver?: CallTarget[]): Promise<TransactionRecord> {
    const decision = decisionOf(record.status);
    if (!decision || !isPhaseTwo(record.status) || record.resolved) return record;
    const attributes = {
      [TccAttributes.TransactionId]: record.id,
      [TccAttributes.Phase]: decision,
    };
    return inSpan(tracer, `tcc.${decision}`, { attributes }, () =>
      this.round(record, decision, decidedOver),
    );
  }

  private async round(
    record: TransactionRecord,
    decision: Decision,
    decidedOver?: CallTarget[],
  ): Promise<TransactionRecord> {
    const started = Date.now();
    const owed =
      decision === 'confirm' && decidedOver?.length === record.branchCount
        ? decidedOver
        : await this.log.findOwedCalls(this.manager, record.id, decision);
    const outcomes = await Promise.all(
      owed.map(async (target) => ({
        target,
        outcome: await this.client.call(target, decision, {
          transactionId: record.id,
          branchId: target.id,
          payload: target.payload,
        }),
      })),
    );
    const { record: finished, recorded } = await this.changes.casStatusRecording(
      this.manager,
      {
        id: record.id,
        from: record.status,
        to: finalStatus(decision),
        guard: 'all-branches-settled',
        lease: 'release',
        event: finalStatus(decision),
      },
      phaseTwoCalls(
        decision,
        outcomes.map(({ target, outcome }) => ({ branchId: target.id, outcome })),
      ),
    );
    const attempts = new Map(recorded.map((call) => [call.id, call.attempts]));
    for (const { target, outcome } of outcomes) {
      const error = describeFailure(outcome);
      const made = attempts.get(target.id);
      if (error === null || made === undefined) continue;
      if (makesStuck(this.config.retry, outcome.kind === 'refused', made)) {
        await this.markStuck(record, target, made, error);
      }
    }
    this.events.emit('phaseCompleted', {
      id: record.id,
      phase: decision,
      durationMs: Date.now() - started,
    });
    if (finished) {
      this.events.emit('transactionFinished', { id: finished.id, status: finished.status });
      return finished;
    }
    return (await this.log.findTransaction(this.manager, record.id)) ?? record;
  }

  private async markStuck(
    record: TransactionRecord,
    target: CallTarget,
    attempts: number,
    error: string,
  ): Promise<void> {
    const stuck = await this.changes.setFlag(this.manager, {
      id: record.id,
      flag: 'stuck',
      branchId: target.id,
      error,
    });
    if (!stuck) return;
    this.logger.warn(
      `Transaction ${record.id} is stuck in ${stuck.status}: branch ${target.id} ` +
        `(${target.participant} ${target.action}) failed ${attempts} phase-2 attempt(s): ${error}`,
    );
    this.events.emit('transactionStuck', {
      id: stuck.id,
      status: stuck.status,
      attempts,
      lastError: error,
    });
  }
}
