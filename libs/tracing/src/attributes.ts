/** Span attributes of the coordinator's and the participants' spans (docs/operations.md, Tracing). */
export const TccAttributes = {
  TransactionId: 'tcc.transaction.id',
  TransactionStatus: 'tcc.transaction.status',
  AutoCommit: 'tcc.transaction.auto_commit',
  BranchCount: 'tcc.transaction.branches',
  BranchId: 'tcc.branch.id',
  Participant: 'tcc.participant',
  Action: 'tcc.action',
  Phase: 'tcc.phase',
  /** 1 for a branch's first call of a phase; phase-2 retries count on. */
  Attempt: 'tcc.attempt',
  /** ok, refused or unknown at the coordinator; the barrier's outcome at a participant. */
  Outcome: 'tcc.outcome',
  /** The call repeated an earlier one and changed nothing. */
  Repeated: 'tcc.repeated',
  BatchSize: 'tcc.batch.size',
} as const;
