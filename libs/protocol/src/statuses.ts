/** Status of a global transaction; the only transitions are TRYING→CONFIRMING→CONFIRMED and TRYING→CANCELLING→CANCELLED. */
export enum TransactionStatus {
  Trying = 'TRYING',
  Confirming = 'CONFIRMING',
  Confirmed = 'CONFIRMED',
  Cancelling = 'CANCELLING',
  Cancelled = 'CANCELLED',
}

/** Status of one branch as the coordinator's log records it. */
export enum BranchStatus {
  /** Logged; the try was sent or is about to be, outcome unknown. */
  Pending = 'PENDING',
  Tried = 'TRIED',
  TryFailed = 'TRY_FAILED',
  Confirmed = 'CONFIRMED',
  Cancelled = 'CANCELLED',
}

/** The three calls a participant serves for each action. */
export type Phase = 'try' | 'confirm' | 'cancel';

/** Every phase, in protocol order. */
export const PHASES: readonly Phase[] = ['try', 'confirm', 'cancel'];

/** True for the statuses after which nothing more happens to a transaction. */
export function isFinalTransactionStatus(status: TransactionStatus): boolean {
  return status === TransactionStatus.Confirmed || status === TransactionStatus.Cancelled;
}
