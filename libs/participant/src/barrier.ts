import type { DataSource, EntityManager } from 'typeorm';
import { ErrorCode } from '@app/protocol';
import { BusinessRefusal } from './action';
import type { SqlResult } from '@app/database/prepared';
import { Statement, inTransaction } from '@app/database/transaction';
import {
  BarrierKey,
  SettlementClaim,
  StoredTry,
  claimSettlement,
  claimSettlementStatement,
  hasBarrier,
  insertBarrier,
  insertBarrierStatement,
  lockTry,
  lockTryStatement,
  readTry,
  recordOutcome,
} from './barrier.repository';

/** How a phase ended: done (200, maybe a repeat) or refused (409 with a stable code). */
export type BarrierAnswer =
  | { kind: 'done'; outcome: string; repeated: boolean }
  | { kind: 'refused'; code: string; detail: string };

/** The business code of one phase, given the local transaction's manager. */
export type BusinessStep = (manager: EntityManager) => Promise<void>;

const done = (outcome: string, repeated = false): BarrierAnswer => ({
  kind: 'done',
  outcome,
  repeated,
});
const refused = (code: string, detail: string): BarrierAnswer => ({
  kind: 'refused',
  code,
  detail,
});

/** Name of the savepoint a refused try rolls back to, keeping its barrier row. */
const TRY_SAVEPOINT = 'tcc_try';

/**
 * One phase of one branch inside a local transaction: the statements that
 * open it (sent together in one round trip), then the work that reads their
 * results and runs the rest. Alone it has a transaction of its own
 * ({@link runPhase}); in a batch it shares one with other branches.
 */
export interface PhaseRun {
  opening: Statement[];
  work(manager: EntityManager, opened: SqlResult<unknown>[]): Promise<BarrierAnswer>;
}

/** Runs one phase in a local transaction of its own. */
export function runPhase(dataSource: DataSource, run: PhaseRun): Promise<BarrierAnswer> {
  return inTransaction(dataSource, run.opening, (manager, opened) => run.work(manager, opened));
}

/**
 * Statements a phase's transaction opens with, ahead of the barrier's, and
 * the check of their results; `check` throws to abandon the phase, which
 * rolls everything back.
 */
export interface OpeningCheck {
  statements: readonly Statement[];
  check(results: SqlResult<unknown>[]): void;
}

/** `run` with the check's statements in front of its own, checked before its work. */
export function checkedRun(run: PhaseRun, check: OpeningCheck | undefined): PhaseRun {
  if (check === undefined) return run;
  const count = check.statements.length;
  return {
    opening: [...check.statements, ...run.opening],
    work: (manager, opened) => {
      check.check(opened.slice(0, count));
      return run.work(manager, opened.slice(count));
    },
  };
}

/**
 * The try barrier: the first try of a branch runs the business code once and
 * stores its outcome; any later try answers that outcome again, and a try
 * that finds the branch already cancelled is refused.
 */
export function runTry(
  dataSource: DataSource,
  key: BarrierKey,
  deadlineMs: number | null,
  nowMs: number,
  business: BusinessStep,
  check?: OpeningCheck,
): Promise<BarrierAnswer> {
  return runPhase(dataSource, checkedRun(tryRun(key, deadlineMs, nowMs, business), check));
}

/** The try barrier of {@link runTry} as a {@link PhaseRun}. */
export function tryRun(
  key: BarrierKey,
  deadlineMs: number | null,
  nowMs: number,
  business: BusinessStep,
): PhaseRun {
  if (isLate(deadlineMs, nowMs)) {
    const late = lateRefusal(deadlineMs);
    return {
      opening: [insertBarrierStatement(key, 'try', 'refused', late)],
      work: async (manager, [claim]) =>
        claim.rowCount === 1 ? refused(late.code, late.detail) : repeatTry(manager, key),
    };
  }
  // Stored 'ok' up front: the row commits only together with the business change, and a
  // refusal below overwrites it, so no reader ever sees 'ok' for a try that did not succeed.
  return {
    opening: [insertBarrierStatement(key, 'try', 'ok'), { sql: `SAVEPOINT ${TRY_SAVEPOINT}` }],
    work: async (manager, [claim]) => {
      if (claim.rowCount !== 1) return repeatTry(manager, key);
      try {
        await business(manager);
      } catch (error) {
        if (!(error instanceof BusinessRefusal)) throw error;
        // The refusal undoes whatever the business code wrote but keeps the barrier row, so a repeat is refused too.
        await manager.query(`ROLLBACK TO SAVEPOINT ${TRY_SAVEPOINT}`);
        await recordOutcome(manager, key, 'try', 'refused', {
          code: error.code,
          detail: error.message,
        });
        return refused(error.code, error.message);
      }
      return done('ok');
    },
  };
}

/** True when a try's deadline (epoch ms, or none) has passed at `nowMs`. */
export function isLate(deadlineMs: number | null, nowMs: number): deadlineMs is number {
  return deadlineMs !== null && nowMs > deadlineMs;
}

/** The refusal a late try stores and answers. */
export function lateRefusal(deadlineMs: number): { code: string; detail: string } {
  return {
    code: ErrorCode.DeadlinePassed,
    detail: `The try arrived after its deadline (${new Date(deadlineMs).toISOString()}).`,
  };
}

/**
 * The answer to a try whose row was already there: refused when the branch
 * was cancelled, else the stored outcome again. Null for a row without an
 * outcome, which only its inserting transaction can see committed by a bug.
 */
export function repeatedTryAnswer(stored: StoredTry, cancelled: boolean): BarrierAnswer | null {
  if (stored.outcome === 'cancelled-first' || cancelled) {
    return refused(ErrorCode.TryCancelled, 'The branch was cancelled before this try.');
  }
  switch (stored.outcome) {
    case 'ok':
      return done('ok', true);
    case 'refused':
      return refused(
        stored.detail?.code ?? ErrorCode.TryRefused,
        stored.detail?.detail ?? 'The try was refused.',
      );
    case null:
      return null;
  }
}

/** Answers a try whose barrier row already exists, changing nothing. */
async function repeatTry(manager: EntityManager, key: BarrierKey): Promise<BarrierAnswer> {
  // The conflicting insert waited for the row's writer to commit, so this fresh read sees its outcome.
  const stored = await readTry(manager, key);
  if (stored === null) throw new Error('tcc_barrier: try row vanished after a conflicting insert');
  const cancelled =
    stored.outcome !== 'cancelled-first' && (await hasBarrier(manager, key, 'cancel'));
  const answer = repeatedTryAnswer(stored, cancelled);
  // Only the inserting transaction ever sees a null outcome; a 500 makes the coordinator ask again.
  if (answer === null) throw new Error('tcc_barrier: try row committed without an outcome');
  return answer;
}

/**
 * The confirm barrier: applies the hold once, and only after an 'ok' try of
 * a branch that was not cancelled.
 */
export function runConfirm(
  dataSource: DataSource,
  key: BarrierKey,
  business: BusinessStep,
  check?: OpeningCheck,
): Promise<BarrierAnswer> {
  return runPhase(dataSource, checkedRun(confirmRun(key, business), check));
}

/** The confirm barrier of {@link runConfirm} as a {@link PhaseRun}. */
export function confirmRun(key: BarrierKey, business: BusinessStep): PhaseRun {
  // The claim goes out with the lock, behind it: it runs once the try row is locked, and inserts
  // only after an 'ok' try, so a confirm refused below has written nothing.
  return {
    opening: [
      lockTryStatement(key),
      claimSettlementStatement(key, 'confirm', 'cancel', 'confirmed', true),
    ],
    work: async (manager, [locked, claimed]) => {
      const problem = confirmProblem((locked.rows[0] as StoredTry | undefined) ?? null);
      if (problem !== null) return refused(ErrorCode.NoSuccessfulTry, problem);
      const claim = claimed.rows[0] as SettlementClaim;
      if (claim.blocked) {
        return refused(
          ErrorCode.NoSuccessfulTry,
          'The branch was cancelled; it cannot be confirmed.',
        );
      }
      if (!claim.inserted) return done('confirmed', true);
      await business(manager);
      return done('confirmed');
    },
  };
}

function confirmProblem(tried: StoredTry | null): string | null {
  if (tried === null) return 'No try arrived for this branch.';
  switch (tried.outcome) {
    case 'ok':
      return null;
    case 'refused':
      return 'The try of this branch was refused.';
    case 'cancelled-first':
      return 'The branch was cancelled before its try arrived.';
    case null:
      throw new Error('tcc_barrier: try row committed without an outcome');
  }
}

/**
 * The cancel barrier: releases the hold once when the try succeeded, does
 * nothing after a refused try, and records an empty cancel when the try never
 * arrived so that a late try is refused.
 */
export function runCancel(
  dataSource: DataSource,
  key: BarrierKey,
  business: BusinessStep,
  check?: OpeningCheck,
): Promise<BarrierAnswer> {
  return runPhase(dataSource, checkedRun(cancelRun(key, business), check));
}

/** The cancel barrier of {@link runCancel} as a {@link PhaseRun}. */
export function cancelRun(key: BarrierKey, business: BusinessStep): PhaseRun {
  // Locking the try row first serialises this cancel with a confirm of the same branch.
  const opening = [lockTryStatement(key)];
  const work = async (
    manager: EntityManager,
    [locked]: SqlResult<unknown>[],
  ): Promise<BarrierAnswer> => {
    const lockedTry = (locked.rows[0] as StoredTry | undefined) ?? null;
    if (lockedTry !== null) {
      if (lockedTry.outcome === null) {
        throw new Error('tcc_barrier: try row committed without an outcome');
      }
      // The try's outcome says what this cancel does, so its row is stored with it at once.
      const releases = lockedTry.outcome === 'ok';
      const claim = await claimSettlement(
        manager,
        key,
        'cancel',
        'confirm',
        // A refused try rolled its business writes back: nothing is held.
        releases ? 'released' : 'nothing-held',
      );
      if (claim.blocked) {
        return refused(
          ErrorCode.AlreadyConfirmed,
          'The branch was confirmed; it cannot be cancelled.',
        );
      }
      if (!claim.inserted) return done('cancelled', true);
      if (releases) await business(manager);
      return done('cancelled');
    }
    if (!(await insertBarrier(manager, key, 'cancel', null))) return done('cancelled', true);
    if (await insertBarrier(manager, key, 'try', 'cancelled-first')) {
      // Empty cancel: the try never ran, so there is nothing to undo.
      await recordOutcome(manager, key, 'cancel', 'empty');
      return done('cancelled');
    }
    // Without a try row at the start, a concurrent try committed while this cancel waited on its insert.
    const tried = await lockTry(manager, key);
    switch (tried?.outcome) {
      case 'ok':
        if (await hasBarrier(manager, key, 'confirm')) {
          // A confirm slipped in before this cancel held the lock: roll back so the retry answers 409.
          throw new Error('tcc_barrier: a confirm committed while this cancel was waiting');
        }
        await business(manager);
        await recordOutcome(manager, key, 'cancel', 'released');
        return done('cancelled');
      case 'refused':
      case 'cancelled-first':
        // A refused try rolled its business writes back: nothing is held.
        await recordOutcome(manager, key, 'cancel', 'nothing-held');
        return done('cancelled');
      case null:
      case undefined:
        throw new Error(
          'tcc_barrier: try row missing or without an outcome after a conflicting insert',
        );
    }
  };
  return { opening, work };
}
