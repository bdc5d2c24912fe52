/** Select list of a `TransactionRecord`; `now` is the log clock's SQL expression. */
export function transactionColumns(now: string, alias = 'transactions'): string {
  const t = alias;
  return `${t}.id, ${t}.status, ${t}.deadline, ${t}.reason, ${t}.reason_code AS "reasonCode",
    ${t}.failed_branch_id AS "failedBranchId", ${t}.stuck, ${t}.resolved, ${t}.attempts,
    ${t}.auto_commit AS "autoCommit", ${t}.lease_owner AS "leaseOwner",
    ${t}.branch_count AS "branchCount", ${t}.caller, ${t}.trace_parent AS "traceParent",
    ${t}.created_at AS "createdAt", ${t}.updated_at AS "updatedAt",
    (${t}.deadline <= ${now}) AS expired`;
}

/** Select list of a `BranchRecord`. */
export function branchColumns(alias = 'branches'): string {
  const b = alias;
  return `${b}.id, ${b}.transaction_id AS "transactionId", ${b}.position, ${b}.participant,
    ${b}.action, ${b}.payload, ${b}.status, ${b}.attempts, ${b}.last_error AS "lastError",
    ${b}.idempotency_key AS "idempotencyKey"`;
}
