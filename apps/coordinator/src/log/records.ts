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

/** Select list of a {@link TransactionRecord}; `now` is the log clock's SQL expression. */
export function transactionColumns(now: string, alias = 'transactions'): string {
  const t = alias;
  return `${t}.id, ${t}.status, ${t}.deadline, ${t}.reason, ${t}.reason_code AS "reasonCode",
    ${t}.failed_branch_id AS "failedBranchId", ${t}.stuck, ${t}.resolved, ${t}.attempts,
    ${t}.auto_commit AS "autoCommit", ${t}.lease_owner AS "leaseOwner",
    ${t}.branch_count AS "branchCount",
    ${t}.created_at AS "createdAt", ${t}.updated_at AS "updatedAt",
    (${t}.deadline <= ${now}) AS expired`;
}

/** Select list of a {@link BranchRecord}. */
export function branchColumns(alias = 'branches'): string {
  const b = alias;
  return `${b}.id, ${b}.transaction_id AS "transactionId", ${b}.position, ${b}.participant,
    ${b}.action, ${b}.payload, ${b}.status, ${b}.attempts, ${b}.last_error AS "lastError",
    ${b}.idempotency_key AS "idempotencyKey"`;
}
