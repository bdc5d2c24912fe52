import { BranchStatus, TransactionStatus } from '@app/protocol';

/** What a transaction was decided to do with its branches. */
export type Decision = 'confirm' | 'cancel';

/** The only legal transitions: TRYING→CONFIRMING→CONFIRMED and TRYING→CANCELLING→CANCELLED. */
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
