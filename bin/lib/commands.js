// @ts-check
'use strict';

const { randomUUID } = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { TRANSACTION_STATUSES, parseInteger } = require('./args');
const { renderConformance, runConformance } = require('./conformance');
const { answerOf } = require('./coordinator');
const { EXIT, UsageError } = require('./errors');
const { clean } = require('./table');
const { renderTransaction, renderTransactionList, shellQuote } = require('./render');
const { shards } = require('./shards');

/** @typedef {import('./render').TransactionView} TransactionView */
/** @typedef {import('./args').Connection} Connection */
/** @typedef {import('@tcc-coordinator/client').CoordinatorClient} CoordinatorClient */

/**
 * @typedef {object} CommandContext
 * @property {CoordinatorClient} client
 * @property {Connection} connection
 * @property {Record<string, string>} args named positionals
 * @property {Record<string, string | boolean | undefined>} options
 * @property {boolean} json
 * @property {Record<string, string | undefined>} env the environment tcc runs in
 * @property {(text: string) => void} print writes to standard output
 */

/** Smallest `timeoutMs` the coordinator accepts. */
const MIN_TIMEOUT_MS = 100;
/** How often a transaction whose phase 2 is still running is read again. */
const POLL_INTERVAL_MS = 250;
/** Default of `--wait`: long enough for a retry or two of phase 2. */
const DEFAULT_WAIT_MS = 10_000;

/**
 * Exit code of `retry`: success once phase 2 has finished, whichever way it was decided.
 * @param {TransactionView} tx
 * @returns {number}
 */
function phaseTwoExitCode(tx) {
  return tx.status === 'CONFIRMED' || tx.status === 'CANCELLED' ? EXIT.OK : EXIT.UNFINISHED;
}

/**
 * Exit code for a transaction this command started: only a confirm decision is success.
 * @param {TransactionView} tx
 * @returns {number}
 */
function commitExitCode(tx) {
  if (tx.stuck) return EXIT.NOT_CONFIRMED;
  return tx.status === 'CONFIRMED' || tx.status === 'CONFIRMING' ? EXIT.OK : EXIT.NOT_CONFIRMED;
}

/**
 * @param {unknown} body
 * @returns {body is TransactionView}
 */
function isTransaction(body) {
  return typeof body === 'object' && body !== null && 'id' in body && 'status' in body;
}

/**
 * @param {CommandContext} ctx
 * @param {unknown} value
 */
function printJson(ctx, value) {
  ctx.print(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * @param {CommandContext} ctx
 * @param {string} id
 * @returns {Promise<TransactionView>}
 */
async function fetchTransaction(ctx, id) {
  const answer = await answerOf(ctx.client.getTransaction(id));
  return /** @type {TransactionView} */ (answer.body);
}

/**
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function status(ctx) {
  const tx = await fetchTransaction(ctx, ctx.args.id);
  if (ctx.json) printJson(ctx, tx);
  else ctx.print(renderTransaction(tx, { events: ctx.options.events === true }));
  // A lookup succeeded when it found the transaction; its status is what it printed.
  return EXIT.OK;
}

/**
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function list(ctx) {
  /** @type {import('@tcc-coordinator/client').ListTransactionsQuery} */
  const query = {};
  /** @type {string[]} */
  const repeat = [];
  const { stuck, status: wanted, participant, limit, cursor } = ctx.options;
  if (stuck === true) {
    query.stuck = true;
    repeat.push('--stuck');
  }
  if (typeof wanted === 'string') {
    const normalised = wanted.toUpperCase();
    if (!TRANSACTION_STATUSES.includes(normalised)) {
      throw new UsageError(
        `--status must be one of ${TRANSACTION_STATUSES.join(', ')}, got "${wanted}"`,
        'list',
      );
    }
    query.status = /** @type {import('@tcc-coordinator/client').TransactionStatus} */ (normalised);
    repeat.push('--status', normalised);
  }
  if (typeof participant === 'string') {
    query.participant = participant;
    repeat.push('--participant', shellQuote(participant));
  }
  if (typeof limit === 'string') {
    const n = parseInteger(limit, '--limit', 'list', { min: 1, max: 100 });
    query.limit = n;
    repeat.push('--limit', String(n));
  }
  if (typeof cursor === 'string') query.cursor = cursor;
  const answer = await answerOf(ctx.client.listTransactions(query));
  const page = /** @type {{ items: TransactionView[], nextCursor: string | null }} */ (answer.body);
  if (ctx.json) printJson(ctx, page);
  else ctx.print(renderTransactionList(page, repeat));
  return EXIT.OK;
}

/**
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function retry(ctx) {
  const answer = await answerOf(ctx.client.retry(ctx.args.id));
  const tx = isTransaction(answer.body) ? answer.body : await fetchTransaction(ctx, ctx.args.id);
  if (ctx.json) printJson(ctx, tx);
  else ctx.print(`Phase 2 retried.\n\n${renderTransaction(tx)}`);
  return phaseTwoExitCode(tx);
}

/**
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function resolve(ctx) {
  const note = ctx.options.note;
  if (typeof note !== 'string' || note.trim() === '') {
    throw new UsageError('--note is required: say what was settled by hand', 'resolve');
  }
  const answer = await answerOf(ctx.client.resolve(ctx.args.id, note));
  const tx = isTransaction(answer.body) ? answer.body : await fetchTransaction(ctx, ctx.args.id);
  if (ctx.json) printJson(ctx, tx);
  else ctx.print(`Resolved by hand.\n\n${renderTransaction(tx)}`);
  return EXIT.OK;
}

/**
 * @typedef {object} BeginOptions
 * @property {number | undefined} timeoutMs
 * @property {string | undefined} idempotencyKey
 * @property {number} waitMs
 */

/**
 * Reads the options transfer and buy share.
 * @param {CommandContext} ctx
 * @param {string} command
 * @returns {BeginOptions}
 */
function beginOptions(ctx, command) {
  const { timeout, wait } = ctx.options;
  const key = ctx.options['idempotency-key'];
  if (typeof key === 'string' && key.trim() === '') {
    throw new UsageError('--idempotency-key must not be empty', command);
  }
  return {
    timeoutMs:
      typeof timeout === 'string'
        ? parseInteger(timeout, '--timeout', command, { min: MIN_TIMEOUT_MS })
        : undefined,
    idempotencyKey: typeof key === 'string' ? key : undefined,
    waitMs:
      typeof wait === 'string'
        ? parseInteger(wait, '--wait', command, { min: 0 })
        : DEFAULT_WAIT_MS,
  };
}

/**
 * Starts an autoCommit transaction and, when phase 2 is still running, follows it
 * for up to `waitMs` so the exit code can report the outcome.
 * @param {CommandContext} ctx
 * @param {{ participant: string, action: string, payload: Record<string, unknown> }[]} branches
 * @param {BeginOptions} options
 * @returns {Promise<{ tx: TransactionView, replayed: boolean }>}
 */
async function begin(ctx, branches, { timeoutMs, idempotencyKey, waitMs }) {
  const answer = await answerOf(
    ctx.client.beginTransaction(
      { branches, autoCommit: true, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
      { idempotencyKey },
    ),
  );
  let tx = /** @type {TransactionView} */ (answer.body);
  const replayed = answer.headers['idempotent-replayed'] === 'true';
  const until = Date.now() + waitMs;
  while (!isSettled(tx) && Date.now() < until) {
    await sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, until - Date.now())));
    tx = await fetchTransaction(ctx, tx.id);
  }
  return { tx, replayed };
}

/**
 * Nothing more will change without a person: finished, or stuck.
 * @param {TransactionView} tx
 * @returns {boolean}
 */
function isSettled(tx) {
  return tx.status === 'CONFIRMED' || tx.status === 'CANCELLED' || tx.stuck;
}

/**
 * @param {CommandContext} ctx
 * @param {string} headline
 * @param {{ tx: TransactionView, replayed: boolean }} outcome
 * @returns {number}
 */
function reportOutcome(ctx, headline, { tx, replayed }) {
  if (ctx.json) {
    printJson(ctx, tx);
    return commitExitCode(tx);
  }
  const notes = [];
  if (replayed) notes.push('Replayed: an earlier request with this idempotency key ran it.');
  if (!isSettled(tx)) {
    notes.push(
      tx.status === 'CONFIRMING'
        ? 'Confirm is decided; the coordinator is still confirming some branches and will finish.'
        : 'Cancel is decided; the coordinator is still cancelling some branches and will finish.',
    );
  }
  if (tx.stuck) notes.push(`Stuck: an operator must look at it (tcc status ${shellQuote(tx.id)}).`);
  const noteText = notes.length > 0 ? `${notes.join('\n')}\n` : '';
  ctx.print(`${clean(headline)}: ${tx.status}\n${noteText}\n${renderTransaction(tx)}`);
  return commitExitCode(tx);
}

/**
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function transfer(ctx) {
  const { from, to } = ctx.args;
  const amount = parseInteger(ctx.args.amount, '<amount>', 'transfer');
  const options = beginOptions(ctx, 'transfer');
  const outcome = await begin(
    ctx,
    [
      { participant: 'account', action: 'debit', payload: { accountId: from, amount } },
      { participant: 'account', action: 'credit', payload: { accountId: to, amount } },
    ],
    options,
  );
  return reportOutcome(ctx, `Transfer of ${amount} from ${from} to ${to}`, outcome);
}

/** Unit price of `buy` when `--price` is not given, in minor units. */
const DEFAULT_PRICE = 100;
/** Account `buy` pays when `--shop` is not given. */
const DEFAULT_SHOP = 'shop';

/**
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function buy(ctx) {
  const { sku, buyer } = ctx.args;
  const quantity = parseInteger(ctx.args.qty, '<qty>', 'buy');
  const { price: priceText, shop: shopOption } = ctx.options;
  const price =
    typeof priceText === 'string' ? parseInteger(priceText, '--price', 'buy') : DEFAULT_PRICE;
  const shop = typeof shopOption === 'string' ? shopOption : DEFAULT_SHOP;
  if (shop.trim() === '') throw new UsageError('--shop must not be empty', 'buy');
  const amount = quantity * price;
  if (!Number.isSafeInteger(amount)) {
    throw new UsageError(`<qty> × --price is larger than ${Number.MAX_SAFE_INTEGER}`, 'buy');
  }
  const options = beginOptions(ctx, 'buy');
  const orderId = `order-${randomUUID()}`;
  const outcome = await begin(
    ctx,
    [
      { participant: 'inventory', action: 'reserve', payload: { sku, quantity, orderId } },
      { participant: 'account', action: 'debit', payload: { accountId: buyer, amount } },
      { participant: 'account', action: 'credit', payload: { accountId: shop, amount } },
    ],
    options,
  );
  return reportOutcome(
    ctx,
    `Order ${orderId} (${quantity} × ${sku} for ${amount}, ${buyer} → ${shop})`,
    outcome,
  );
}

/** Race rounds of `conformance` when `--rounds` is not given. */
const DEFAULT_RACE_ROUNDS = 20;

/**
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function conformance(ctx) {
  const { action, payload, rounds } = ctx.options;
  if (typeof action !== 'string' || action.trim() === '') {
    throw new UsageError('--action is required', 'conformance');
  }
  const secret = ctx.env.TCC_SIGNING_SECRET;
  if (secret === undefined || secret === '') {
    throw new UsageError(
      'TCC_SIGNING_SECRET must hold the secret the participant verifies',
      'conformance',
    );
  }
  const refused = ctx.options['refused-payload'];
  const results = await runConformance({
    baseUrl: participantUrl(ctx.args.baseUrl),
    action,
    payload: jsonObject(payload, '--payload'),
    refusedPayload: refused === undefined ? undefined : jsonObject(refused, '--refused-payload'),
    secret,
    rounds:
      typeof rounds === 'string'
        ? parseInteger(rounds, '--rounds', 'conformance', { max: 1000 })
        : DEFAULT_RACE_ROUNDS,
  });
  if (ctx.json) printJson(ctx, results);
  else ctx.print(renderConformance(results));
  return results.some((r) => r.result === 'fail') ? EXIT.RULE_BROKEN : EXIT.OK;
}

/**
 * @param {string} text
 * @returns {string} the URL without a trailing slash
 */
function participantUrl(text) {
  /** @type {URL} */
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`<baseUrl> "${text}" is not a valid URL`, 'conformance');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`<baseUrl> "${text}" must use http or https`, 'conformance');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * @param {string | boolean | undefined} text
 * @param {string} option
 * @returns {Record<string, unknown>}
 */
function jsonObject(text, option) {
  if (typeof text !== 'string') throw new UsageError(`${option} is required`, 'conformance');
  /** @type {unknown} */
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${option} must be JSON, got ${text}`, 'conformance');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${option} must be a JSON object`, 'conformance');
  }
  return /** @type {Record<string, unknown>} */ (value);
}

/** Every command, by name; each resolves to its exit code. */
const HANDLERS = Object.freeze({
  status,
  list,
  retry,
  resolve,
  transfer,
  buy,
  conformance,
  shards,
});

module.exports = { HANDLERS, phaseTwoExitCode, commitExitCode };
