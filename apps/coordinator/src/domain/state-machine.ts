import { BranchStatus, TransactionStatus } from '@app/protocol';
import { CallOutcome, describeFailure } from './call-outcome';

/** What a transaction was decided to do with its branches. */
export type Decision = 'confirm' | 'cancel';

/**
 * The only legal transitions: TRYING→CONFIRMING→CONFIRMED and
 * TRYING→CANCELLING→CANCELLED, each only while the transaction is not
 * resolved (a resolved one takes no change at all: see {@link Flag}).
 */
export function canTransition(from: TransactionStatus, to: TransactionStatus): boolean {
  switch (from) {
    case TransactionStatus.Trying:
      return to === TransactionStatus.Confirming || to === TransactionStatus.Cancelling;
    case TransactionStatus.Confirming:
      return to === TransactionStatus.Confirmed;
    case TransactionStatus.Cancelling:
      return to === TransactionStatus.Cancelled;
    case TransactionStatus.Confirmed:
    case TransactionStatus.Cancelled:
      return false;
  }
}

/**
 * The two flags a transaction carries besides its status. Both belong to
 * phase 2: `stuck` marks a decided transaction whose calls keep failing, and
 * `resolved` says a person settled a decided one by hand. Resolved is an
 * end like CONFIRMED and CANCELLED: once set, no status change, no branch
 * outcome and no flag is recorded for the transaction any more. A TRYING
 * transaction has no decision a person could have carried out: it is
 * cancelled instead.
 */
export type Flag = 'stuck' | 'resolved';

const FLAGGED_IN: Record<Flag, readonly TransactionStatus[]> = {
  stuck: [TransactionStatus.Confirming, TransactionStatus.Cancelling],
  resolved: [TransactionStatus.Confirming, TransactionStatus.Cancelling],
};

/** The statuses in which `flag` may be set on a transaction that is not resolved. */
export function flaggableStatuses(flag: Flag): readonly TransactionStatus[] {
  return FLAGGED_IN[flag];
}

/** The decision a status stands for, or null while the transaction is still trying. */
export function decisionOf(status: TransactionStatus): Decision | null {
  switch (status) {
    case TransactionStatus.Trying:
      return null;
    case TransactionStatus.Confirming:
    case TransactionStatus.Confirmed:
      return 'confirm';
    case TransactionStatus.Cancelling:
    case TransactionStatus.Cancelled:
      return 'cancel';
  }
}

/** True while phase 2 still owes calls: the decision is logged but not every branch answered. */
export function isPhaseTwo(status: TransactionStatus): boolean {
  switch (status) {
    case TransactionStatus.Confirming:
    case TransactionStatus.Cancelling:
      return true;
    case TransactionStatus.Trying:
    case TransactionStatus.Confirmed:
    case TransactionStatus.Cancelled:
      return false;
  }
}

/** The status that logs a decision. */
export function decidedStatus(decision: Decision): TransactionStatus {
  return decision === 'confirm' ? TransactionStatus.Confirming : TransactionStatus.Cancelling;
}

/** The status a decided transaction ends in once every branch answered. */
export function finalStatus(decision: Decision): TransactionStatus {
  return decision === 'confirm' ? TransactionStatus.Confirmed : TransactionStatus.Cancelled;
}

/**
 * Branch statuses that still owe a phase-2 call under a decision. A cancel
 * goes to PENDING branches too (their try may have landed); TRY_FAILED ones
 * were refused, so the participant holds nothing to release.
 */
export function owedBranchStatuses(decision: Decision): BranchStatus[] {
  return decision === 'confirm' ? [BranchStatus.Tried] : [BranchStatus.Pending, BranchStatus.Tried];
}

/** The branch status a successful phase-2 call records. */
export function settledBranchStatus(decision: Decision): BranchStatus {
  return decision === 'confirm' ? BranchStatus.Confirmed : BranchStatus.Cancelled;
}

/** The outcome of one call to a branch's participant, as the log records it. */
export interface BranchCall {
  branchId: string;
  /** The status the call leaves; null keeps it (a failed call). */
  to: BranchStatus | null;
  /** The event type that records the call. */
  event: string;
  /** The failure text kept on the branch and in the event, or null. */
  error: string | null;
}

/** Calls of one phase over branches of one transaction, recorded together. */
export interface BranchCalls {
  /** A call is recorded only on a branch still in one of these statuses. */
  from: BranchStatus[];
  /** Phase-2 calls count an attempt on the branch; tries do not. */
  countsAttempt: boolean;
  calls: BranchCall[];
}

/** No calls: a status change that records none. */
export const NO_CALLS: BranchCalls = { from: [], countsAttempt: false, calls: [] };

/** One call to a branch and how it ended. */
export interface BranchOutcome {
  branchId: string;
  outcome: CallOutcome;
}

/** Branch status and event a try's outcome records; unknown keeps the branch PENDING. */
const TRY_OUTCOMES: Record<CallOutcome['kind'], [BranchStatus, string]> = {
  ok: [BranchStatus.Tried, 'TRY_OK'],
  refused: [BranchStatus.TryFailed, 'TRY_REFUSED'],
  unknown: [BranchStatus.Pending, 'TRY_UNKNOWN'],
};

/** How a round of tries is recorded: TRIED, TRY_FAILED, or still PENDING with the error when unknown. */
export function tryCalls(outcomes: readonly BranchOutcome[]): BranchCalls {
  return {
    from: [BranchStatus.Pending],
    countsAttempt: false,
    calls: outcomes.map(({ branchId, outcome }) => {
      const [to, event] = TRY_OUTCOMES[outcome.kind];
      return { branchId, to, event, error: describeFailure(outcome) };
    }),
  };
}

/** How a round of phase-2 calls is recorded: success settles a branch, a failure counts an attempt. */
export function phaseTwoCalls(decision: Decision, outcomes: readonly BranchOutcome[]): BranchCalls {
  const phase = decision.toUpperCase();
  return {
    from: owedBranchStatuses(decision),
    countsAttempt: true,
    calls: outcomes.map(({ branchId, outcome }) => {
      const ok = outcome.kind === 'ok';
      return {
        branchId,
        to: ok ? settledBranchStatus(decision) : null,
        event: ok ? `${phase}_OK` : `${phase}_FAILED`,
        error: describeFailure(outcome),
      };
    }),
  };
}
