import {
  BranchView,
  EventView,
  TransactionStatus,
  TransactionSummary,
  TransactionView,
} from '@app/protocol';
import type { BranchRecord, TransactionRecord } from '../domain/records';
import type { EventRecord } from '../log/transaction-queries.repository';

/** A branch as the API shows it. */
export function toBranchView(branch: BranchRecord): BranchView {
  return {
    id: branch.id,
    participant: branch.participant,
    action: branch.action,
    payload: branch.payload,
    status: branch.status,
    attempts: branch.attempts,
    lastError: branch.lastError,
  };
}

/** A transaction and its branches as the API shows them, without events. */
export function toSummary(record: TransactionRecord, branches: BranchRecord[]): TransactionSummary {
  return {
    id: record.id,
    status: record.status,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    deadline: record.deadline.toISOString(),
    reason: record.reason,
    reasonCode: record.reasonCode,
    failedBranchId: record.failedBranchId,
    stuck: record.stuck,
    resolved: record.resolved,
    attempts: record.attempts,
    caller: record.caller,
    branches: branches.map(toBranchView),
  };
}

/** The full view of `GET /v1/transactions/:id`. */
export function toTransactionView(
  record: TransactionRecord,
  branches: BranchRecord[],
  events: EventRecord[],
  olderEvents: number,
): TransactionView {
  return {
    ...toSummary(record, branches),
    events: events.map((event): EventView => ({
      at: event.at.toISOString(),
      type: event.type,
      branchId: event.branchId,
      detail: event.detail,
    })),
    olderEvents,
  };
}

/**
 * The HTTP status a request gets for a transaction: 200 once it ended
 * (finished, or resolved by hand: nothing more happens to it), 202 while
 * phase 2 is unfinished (the outcome is decided), 201 for an interactive
 * transaction still trying.
 */
export function httpStatusFor(
  transaction: Pick<TransactionView, 'status' | 'resolved'>,
  autoCommit: boolean,
): 200 | 201 | 202 {
  if (transaction.resolved) return 200;
  switch (transaction.status) {
    case TransactionStatus.Confirmed:
    case TransactionStatus.Cancelled:
      return 200;
    case TransactionStatus.Confirming:
    case TransactionStatus.Cancelling:
      return 202;
    case TransactionStatus.Trying:
      return autoCommit ? 202 : 201;
  }
}
