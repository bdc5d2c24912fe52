// @ts-check
'use strict';

const { clean, formatFields, formatTable } = require('./table');

/**
 * @typedef {object} BranchView
 * @property {string} id
 * @property {string} participant
 * @property {string} action
 * @property {unknown} payload
 * @property {string} status
 * @property {number} attempts
 * @property {string | null} lastError
 */

/**
 * @typedef {object} EventView
 * @property {string} at
 * @property {string} type
 * @property {string | null} branchId
 * @property {unknown} detail
 */

/**
 * @typedef {object} TransactionView
 * @property {string} id
 * @property {string} status
 * @property {string} createdAt
 * @property {string} updatedAt
 * @property {string} deadline
 * @property {string | null} reason
 * @property {string | null} reasonCode
 * @property {string | null} failedBranchId
 * @property {boolean} stuck
 * @property {boolean} resolved
 * @property {number} attempts
 * @property {BranchView[]} [branches]
 * @property {EventView[]} [events]
 * @property {number} [olderEvents]
 */

/**
 * Status with the flags a person must not miss.
 * @param {TransactionView} tx
 * @returns {string}
 */
function statusLabel(tx) {
  return [tx.status, tx.stuck ? 'STUCK' : '', tx.resolved ? 'RESOLVED' : '']
    .filter(Boolean)
    .join(' ');
}

/**
 * Distinct participants of a transaction, in branch order.
 * @param {TransactionView} tx
 * @returns {string}
 */
function participantsOf(tx) {
  return [...new Set((tx.branches ?? []).map((b) => b.participant))].join(',');
}

/**
 * @param {unknown} value
 * @returns {string}
 */
function compactJson(value) {
  return value === null || value === undefined ? '' : JSON.stringify(value);
}

/**
 * One transaction: its fields, its branches and, when asked, its events.
 * @param {TransactionView} tx
 * @param {{ events?: boolean }} [options]
 * @returns {string}
 */
function renderTransaction(tx, { events = false } = {}) {
  /** @type {[string, unknown][]} */
  const fields = [
    ['Transaction', tx.id],
    ['Status', statusLabel(tx)],
    ['Created', tx.createdAt],
    ['Updated', tx.updatedAt],
    ['Deadline', tx.deadline],
    ['Attempts', tx.attempts],
  ];
  if (tx.reason !== null) fields.push(['Reason', tx.reason]);
  if (tx.reasonCode !== null) fields.push(['Reason code', tx.reasonCode]);
  if (tx.failedBranchId !== null) fields.push(['Failed branch', tx.failedBranchId]);
  const parts = [formatFields(fields)];
  const branches = tx.branches ?? [];
  parts.push(
    branches.length === 0
      ? 'No branches.'
      : formatTable(
          [
            { header: 'BRANCH' },
            { header: 'PARTICIPANT' },
            { header: 'ACTION' },
            { header: 'STATUS' },
            { header: 'ATTEMPTS', align: 'right' },
            { header: 'LAST ERROR', max: 60 },
            { header: 'PAYLOAD', max: 80 },
          ],
          branches.map((b) => [
            b.id,
            b.participant,
            b.action,
            b.status,
            b.attempts,
            b.lastError ?? '',
            compactJson(b.payload),
          ]),
        ),
  );
  if (events) parts.push(renderEvents(tx));
  return `${parts.join('\n\n')}\n`;
}

/**
 * @param {TransactionView} tx
 * @returns {string}
 */
function renderEvents(tx) {
  const list = tx.events ?? [];
  const older = tx.olderEvents ? `${tx.olderEvents} older events not shown.\n` : '';
  if (list.length === 0) return `${older}No events.`;
  return (
    older +
    formatTable(
      [{ header: 'AT' }, { header: 'EVENT' }, { header: 'BRANCH' }, { header: 'DETAIL', max: 100 }],
      list.map((e) => [e.at, e.type, e.branchId ?? '', compactJson(e.detail)]),
    )
  );
}

/**
 * A page of transactions as a table, with how to get the next page.
 * @param {{ items: TransactionView[], nextCursor: string | null }} page
 * @param {string[]} repeatArgs the filter arguments to repeat with --cursor
 * @returns {string}
 */
function renderTransactionList(page, repeatArgs) {
  if (page.items.length === 0) return 'No transactions match.\n';
  const table = formatTable(
    [
      { header: 'ID' },
      { header: 'STATUS' },
      { header: 'CREATED' },
      { header: 'PARTICIPANTS', max: 40 },
      { header: 'ATTEMPTS', align: 'right' },
    ],
    page.items.map((tx) => [tx.id, statusLabel(tx), tx.createdAt, participantsOf(tx), tx.attempts]),
  );
  const next =
    page.nextCursor === null
      ? ''
      : `\nNext page: tcc list ${[...repeatArgs, '--cursor', shellQuote(page.nextCursor)].join(' ')}\n`;
  return `${table}\n${next}`;
}

/**
 * Quotes an argument for a POSIX shell when it holds anything but safe characters.
 * @param {string} value
 * @returns {string}
 */
function shellQuote(value) {
  if (/^[\w@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A problem+json answer as one or more human lines.
 * @param {number} status
 * @param {import('./errors').Problem} problem
 * @returns {string}
 */
function renderProblem(status, problem) {
  const code = problem.code ? `${problem.code}, ` : '';
  const lines = [
    `error: ${clean(problem.detail ?? problem.title ?? 'request failed')} (${code}HTTP ${status})`,
  ];
  for (const fieldError of problem.errors ?? []) {
    lines.push(`  ${clean(fieldError.field)}: ${fieldError.messages.map(clean).join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}

module.exports = {
  statusLabel,
  participantsOf,
  renderTransaction,
  renderTransactionList,
  renderProblem,
  shellQuote,
};
