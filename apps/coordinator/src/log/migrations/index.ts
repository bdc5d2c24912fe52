import { CreateLog1732600000000 } from './1732600000000-create-log';
import { IndexStatus1732700000000 } from './1732700000000-index-status';
import { BranchCount1732800000000 } from './1732800000000-branch-count';
import { ParticipantBatch1732950000000 } from './1732950000000-participant-batch';
import { TransactionCaller1733000000000 } from './1733000000000-transaction-caller';
import { TransactionTraceParent1733100000000 } from './1733100000000-transaction-trace-parent';
import { IdempotencyKeys1733200000000 } from './1733200000000-idempotency-keys';

/** Every migration of the coordinator's log, oldest first. */
export const LOG_MIGRATIONS = [
  CreateLog1732600000000,
  IndexStatus1732700000000,
  BranchCount1732800000000,
  ParticipantBatch1732950000000,
  TransactionCaller1733000000000,
  TransactionTraceParent1733100000000,
  IdempotencyKeys1733200000000,
];
