import type { BranchView, TransactionSummary } from '@app/protocol';

/** The members a transaction's view shows as they are stored; only its times differ (ISO strings there). */
type ShownAsStored = Omit<TransactionSummary, 'createdAt' | 'updatedAt' | 'deadline' | 'branches'>;

/** A transaction row as the log's statements return it (`transactionColumns`). */
export interface TransactionRecord extends ShownAsStored {
  deadline: Date;
  createdAt: Date;
  updatedAt: Date;
  autoCommit: boolean;
  leaseOwner: string | null;
  /** How many branches the transaction has. */
  branchCount: number;
  /** The W3C `traceparent` of the span that began it; null when tracing was off. */
  traceParent: string | null;
  /** The deadline has passed by the log's clock. */
  expired: boolean;
}

/** A branch row (`branchColumns`): what its view shows, and where it belongs. */
export interface BranchRecord extends BranchView {
  transactionId: string;
  position: number;
  idempotencyKey: string | null;
}

/** A branch together with where its participant is reached now. */
export interface CallTarget extends BranchRecord {
  baseUrl: string;
}

/** Why a transaction was cancelled, as its view shows it. */
export interface CancelReason {
  text: string;
  code: string | null;
  branchId: string | null;
}
