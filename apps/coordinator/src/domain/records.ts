import type { BranchStatus, TransactionStatus } from '@app/protocol';

/** A transaction row as the log's statements return it (`transactionColumns`). */
export interface TransactionRecord {
  id: string;
  status: TransactionStatus;
  deadline: Date;
  reason: string | null;
  reasonCode: string | null;
  failedBranchId: string | null;
  stuck: boolean;
  resolved: boolean;
  attempts: number;
  autoCommit: boolean;
  leaseOwner: string | null;
  /** How many branches the transaction has. */
  branchCount: number;
  /** The API key's name (or `admin`) that started it; null when logged before callers were recorded. */
  caller: string | null;
  /** The W3C `traceparent` of the span that began it; null when tracing was off. */
  traceParent: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** The deadline has passed by the log's clock. */
  expired: boolean;
}

/** A branch row (`branchColumns`). */
export interface BranchRecord {
  id: string;
  transactionId: string;
  position: number;
  participant: string;
  action: string;
  payload: Record<string, unknown>;
  status: BranchStatus;
  attempts: number;
  lastError: string | null;
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
