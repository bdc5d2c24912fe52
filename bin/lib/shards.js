// @ts-check
'use strict';

const { setTimeout: sleep } = require('node:timers/promises');
const { EXIT, HttpError, UnreachableError, UsageError } = require('./errors');
const { clean, formatFields, formatTable } = require('./table');

/** @typedef {import('./commands').CommandContext} CommandContext */

/**
 * @typedef {object} RebalanceView
 * @property {string} state
 * @property {string[]} target
 * @property {number} total
 * @property {number} moved
 * @property {string | null} startedAt
 * @property {string | null} finishedAt
 * @property {string | null} error
 */

/**
 * @typedef {object} ShardsView
 * @property {{ version: number, shards: string[] }} ring
 * @property {string[]} configured
 * @property {RebalanceView} rebalance
 */

/** How often a running rebalance is read again. */
const POLL_INTERVAL_MS = 500;
/** How long one request to the account app may take. */
const REQUEST_TIMEOUT_MS = 30_000;
const BAR_WIDTH = 30;

/** `tcc shards`: its entry in the command table. */
const SHARDS_COMMAND = {
  synopsis: 'shards',
  usage: 'tcc shards [--plan S1,S2,…] [--rebalance S1,S2,…] [--detach] [--account-url URL]',
  summary: 'show the account ring; plan or run a rebalance (admin token)',
  positionals: [],
  options: {
    plan: { type: /** @type {const} */ ('string') },
    rebalance: { type: /** @type {const} */ ('string') },
    detach: { type: /** @type {const} */ ('boolean') },
    'account-url': { type: /** @type {const} */ ('string') },
  },
  details: `Without options, shows the ring (version and shards), the shards the account app
is configured with, and the last rebalance.
  --plan S1,S2,…       what a rebalance to exactly these shards would move; moves nothing
  --rebalance S1,S2,…  change the ring to exactly these shards (add and/or drain), and
                       follow the moves with a progress bar until done
  --detach             with --rebalance: start it and return at once
  --account-url URL    the account app (env TCC_ACCOUNT_URL, default http://127.0.0.1:3002)

Exits 1 when the rebalance failed (run the same command again to resume it).`,
};

/**
 * @param {CommandContext} ctx
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function call(ctx, method, path, body) {
  const base = accountUrl(ctx);
  /** @type {Response} */
  let response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ctx.connection.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new UnreachableError(`account app at ${base} did not answer: ${String(error)}`, error);
  }
  const text = await response.text();
  /** @type {any} */
  let parsed = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = { detail: text.slice(0, 200) };
  }
  if (!response.ok) throw new HttpError(response.status, parsed ?? { status: response.status });
  return parsed;
}

/**
 * @param {CommandContext} ctx
 * @returns {string}
 */
function accountUrl(ctx) {
  const raw =
    /** @type {string | undefined} */ (ctx.options['account-url']) ??
    ctx.env.TCC_ACCOUNT_URL ??
    'http://127.0.0.1:3002';
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    throw new UsageError(`account URL "${raw}" is not a valid URL`, 'shards');
  }
}

/**
 * @param {string} list
 * @param {string} option
 * @returns {string[]}
 */
function shardList(list, option) {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0)
    throw new UsageError(`--${option} needs at least one shard name`, 'shards');
  return names;
}

/**
 * A bar of `moved` out of `total`.
 * @param {number} moved
 * @param {number} total
 * @returns {string}
 */
function progressBar(moved, total) {
  const share = total === 0 ? 1 : Math.min(1, moved / total);
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${moved}/${total} accounts moved`;
}

/**
 * @param {ShardsView} view
 * @returns {string}
 */
function renderShards(view) {
  const { ring, configured, rebalance } = view;
  const idle = configured.filter((name) => !ring.shards.includes(name));
  const fields = [
    ['ring', `version ${ring.version}: ${ring.shards.join(', ')}`],
    ['configured', configured.join(', ')],
    ['idle', idle.length === 0 ? '-' : idle.join(', ')],
    ['rebalance', rebalance.state],
  ];
  if (rebalance.state !== 'idle') {
    fields.push(
      ['target', rebalance.target.join(', ')],
      ['progress', progressBar(rebalance.moved, rebalance.total)],
      ['started', rebalance.startedAt ?? '-'],
      ['finished', rebalance.finishedAt ?? '-'],
    );
    if (rebalance.error) fields.push(['error', rebalance.error]);
  }
  return formatFields(fields.map(([label, value]) => [label, clean(value)]));
}

/**
 * Follows a running rebalance until it ends; exit code by its outcome.
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function follow(ctx) {
  const tty = process.stdout.isTTY === true;
  let last = '';
  for (;;) {
    /** @type {ShardsView} */
    const view = await call(ctx, 'GET', '/admin/shards');
    const line = progressBar(view.rebalance.moved, view.rebalance.total);
    if (line !== last) {
      ctx.print(tty ? `\r${line}` : `${line}\n`);
      last = line;
    }
    if (view.rebalance.state !== 'running') {
      if (tty) ctx.print('\n');
      ctx.print(`${renderShards(view)}\n`);
      return view.rebalance.state === 'done' ? EXIT.OK : EXIT.UNFINISHED;
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/**
 * `tcc shards`: status, `--plan`, or `--rebalance`.
 * @param {CommandContext} ctx
 * @returns {Promise<number>}
 */
async function shards(ctx) {
  const plan = /** @type {string | undefined} */ (ctx.options.plan);
  const rebalance = /** @type {string | undefined} */ (ctx.options.rebalance);
  if (plan !== undefined && rebalance !== undefined) {
    throw new UsageError('give --plan or --rebalance, not both', 'shards');
  }
  if (plan !== undefined) {
    const names = shardList(plan, 'plan');
    const view = await call(
      ctx,
      'GET',
      `/admin/shards/plan?shards=${encodeURIComponent(names.join(','))}`,
    );
    if (ctx.json) ctx.print(`${JSON.stringify(view, null, 2)}\n`);
    else {
      ctx.print(
        `ring version ${view.ring.version}: ${view.ring.shards.join(', ')} -> ${view.target.join(', ')}\n` +
          `${view.total} account(s) would move\n`,
      );
      if (view.moves.length > 0) {
        ctx.print(
          `${formatTable(
            [{ header: 'FROM' }, { header: 'TO' }, { header: 'ACCOUNTS', align: 'right' }],
            view.moves.map((/** @type {any} */ move) => [
              move.from,
              move.to,
              String(move.accounts),
            ]),
          )}\n`,
        );
      }
    }
    return EXIT.OK;
  }
  if (rebalance !== undefined) {
    const started = await call(ctx, 'POST', '/admin/shards/rebalance', {
      shards: shardList(rebalance, 'rebalance'),
    });
    if (ctx.json || ctx.options.detach === true) {
      ctx.print(
        ctx.json
          ? `${JSON.stringify(started, null, 2)}\n`
          : `rebalance started: ${started.total} account(s) to move\n`,
      );
      return EXIT.OK;
    }
    return follow(ctx);
  }
  const view = await call(ctx, 'GET', '/admin/shards');
  ctx.print(ctx.json ? `${JSON.stringify(view, null, 2)}\n` : `${renderShards(view)}\n`);
  return EXIT.OK;
}

module.exports = { SHARDS_COMMAND, shards, progressBar, renderShards };
