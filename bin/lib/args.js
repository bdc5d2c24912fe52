// @ts-check
'use strict';

const { parseArgs } = require('node:util');
const { UsageError } = require('./errors');
const { SHARDS_COMMAND } = require('./shards');

/** Transaction statuses the coordinator knows (docs/protocol.md). */
const TRANSACTION_STATUSES = Object.freeze([
  'TRYING',
  'CONFIRMING',
  'CONFIRMED',
  'CANCELLING',
  'CANCELLED',
]);

/** @typedef {import('node:util').ParseArgsConfig['options']} OptionSpecs */

/** @type {NonNullable<OptionSpecs>} */
const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const GLOBAL_HELP = `Options for every command:
  --url <url>            coordinator base URL (env TCC_COORDINATOR_URL or COORDINATOR_URL,
                         default http://127.0.0.1:3000)
  --api-key <key>        client bearer token (env TCC_API_KEY; without it the admin token,
                         else the development key dev-api-key)
  --admin-token <token>  admin bearer token (env TCC_ADMIN_TOKEN, else the development
                         token dev-admin-token); prefer the env variables: arguments are
                         visible to other users of the machine
  --json                 print the coordinator's JSON instead of tables
  -h, --help             show help

Exit codes:
  0   done: status and list found what was asked, whatever the transaction's status;
      transfer and buy confirmed; retry finished phase 2; resolve recorded the note
  1   transfer or buy was cancelled or is stuck; retry left phase 2 unfinished;
      shards: the rebalance failed; conformance found a broken rule
  2   usage error; nothing was sent
  3   the coordinator (shards: the account app) answered 4xx/5xx: not found (404),
      a refused token (401/403), a field it refused (400)
  4   the coordinator (shards: the account app; conformance: the participant) could
      not be reached or did not answer in time`;

/**
 * @typedef {object} CommandSpec
 * @property {string} synopsis the command and its positionals, as listed by `tcc --help`
 * @property {string} usage
 * @property {string} summary
 * @property {string[]} positionals names of the required positional arguments, in order
 * @property {NonNullable<OptionSpecs>} options
 * @property {string} details
 */

/** @type {Record<string, CommandSpec>} */
const COMMANDS = {
  status: {
    synopsis: 'status <id>',
    usage: 'tcc status <id> [--events]',
    summary: 'show a transaction and its branches',
    positionals: ['id'],
    options: { events: { type: 'boolean' } },
    details: `Shows the transaction's status, deadline, attempts, reason and branches.
  --events   also show the event timeline

Exits 0 whenever the transaction was found, whatever its status (read the
Status line, or "status" with --json); 3 when there is no such transaction.`,
  },
  list: {
    synopsis: 'list',
    usage: 'tcc list [--stuck] [--status S] [--participant P] [--limit N] [--cursor C]',
    summary: 'list transactions, newest first',
    positionals: [],
    options: {
      stuck: { type: 'boolean' },
      status: { type: 'string' },
      participant: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
    },
    details: `  --stuck            only transactions marked stuck
  --status S         one of ${TRANSACTION_STATUSES.join(', ')}
  --participant P    only transactions with a branch of participant P
  --limit N          page size, 1 to 100 (default 50)
  --cursor C         the next page, as printed after a full page`,
  },
  retry: {
    synopsis: 'retry <id>',
    usage: 'tcc retry <id>',
    summary: 'run phase 2 of a transaction now (admin token)',
    positionals: ['id'],
    options: {},
    details: `Asks the coordinator to send confirm or cancel to the unfinished branches now,
instead of waiting for the next backoff step, and shows the transaction afterwards.

Exits 0 when phase 2 has finished (CONFIRMED or CANCELLED), 1 when some branch
is still unfinished (a participant still does not answer).`,
  },
  resolve: {
    synopsis: 'resolve <id> --note TEXT',
    usage: 'tcc resolve <id> --note "what was done by hand"',
    summary: 'mark a transaction as settled by hand (admin token)',
    positionals: ['id'],
    options: { note: { type: 'string' } },
    details: `Ends an unfinished transaction: no participant is called for it again and it
leaves the stuck list. The note, required, stays in its events.`,
  },
  transfer: {
    synopsis: 'transfer <from> <to> <amount>',
    usage: 'tcc transfer <from> <to> <amount> [--timeout MS] [--idempotency-key K] [--wait MS]',
    summary: 'move money from one account to another',
    positionals: ['from', 'to', 'amount'],
    options: {
      timeout: { type: 'string' },
      'idempotency-key': { type: 'string' },
      wait: { type: 'string' },
    },
    details: `Runs one transaction: account debit <from>, account credit <to>, both <amount>
(an integer in minor units).
  --timeout MS           try-phase deadline asked of the coordinator
  --idempotency-key K    makes repeating the same command safe
  --wait MS              how long to follow a transaction whose phase 2 is still
                         running (default 10000; 0 answers at once)

Exits 0 once confirmed (or confirm decided and still running after --wait),
1 when cancelled or stuck.`,
  },
  buy: {
    synopsis: 'buy <sku> <qty> <buyer>',
    usage:
      'tcc buy <sku> <qty> <buyer> [--price N] [--shop ACCOUNT] [--timeout MS] [--idempotency-key K] [--wait MS]',
    summary: 'reserve stock, debit the buyer and credit the shop',
    positionals: ['sku', 'qty', 'buyer'],
    options: {
      price: { type: 'string' },
      shop: { type: 'string' },
      timeout: { type: 'string' },
      'idempotency-key': { type: 'string' },
      wait: { type: 'string' },
    },
    details: `Runs one transaction with a new order id: inventory reserve <qty> of <sku>,
account debit <buyer> and account credit the shop, both <qty> × price.
  --price N              price of one unit in minor units (default 100)
  --shop ACCOUNT         the account paid (default shop)
  --timeout MS           try-phase deadline asked of the coordinator
  --idempotency-key K    makes repeating the same command safe
  --wait MS              how long to follow a transaction whose phase 2 is still
                         running (default 10000; 0 answers at once)

Exits 0 once confirmed (or confirm decided and still running after --wait),
1 when cancelled or stuck.`,
  },
  conformance: {
    synopsis: 'conformance <baseUrl> --action A --payload JSON',
    usage:
      "tcc conformance <baseUrl> --action A --payload '<json>' [--refused-payload '<json>'] [--rounds N]",
    summary: 'check that a participant keeps the barrier rules',
    positionals: ['baseUrl'],
    options: {
      action: { type: 'string' },
      payload: { type: 'string' },
      'refused-payload': { type: 'string' },
      rounds: { type: 'string' },
    },
    details: `Sends signed phase calls, as the coordinator does, to <baseUrl>/tcc/<action>/...
and checks what a participant must answer: 401 to unsigned, wrongly signed and
stale calls; 200 to a try and its repeat, to a confirm and its repeat, and to a
cancel whose try never came, then 409 to that late try; 409 to a try past its
deadline, to a confirm without a try and to a refused try and its repeat; and
that a try raced with its cancel ends as if one of them came first.
The signing secret is TCC_SIGNING_SECRET. Run it against a test instance: it
confirms one try of the payload and cancels the others.
  --action A               the action to call
  --payload JSON           a payload whose try succeeds
  --refused-payload JSON   a payload whose try the participant refuses (for
                           example more than is in stock); without it that rule
                           is skipped
  --rounds N               how many times try and cancel are raced (default 20)

Prints one line per rule; exits 0 when every rule passed, 1 when one failed,
4 when the participant cannot be reached.`,
  },
  shards: SHARDS_COMMAND,
};

/** @typedef {{ url?: string, apiKey?: string, adminToken?: string, json: boolean }} GlobalOptions */

/**
 * @typedef {{ kind: 'help', text: string }
 *   | { kind: 'run', command: string, args: Record<string, string>,
 *       options: Record<string, string | boolean | undefined>, global: GlobalOptions }} ParsedCommandLine
 */

/** @returns {string} */
function mainHelp() {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.synopsis.length));
  const lines = Object.values(COMMANDS).map((c) => `  ${c.synopsis.padEnd(width)}  ${c.summary}`);
  return `tcc: command line for the TCC coordinator

Usage: tcc <command> [arguments] [options]

Commands:
${lines.join('\n')}

Run "tcc <command> --help" for a command's options.

${GLOBAL_HELP}`;
}

/**
 * @param {string} name
 * @returns {string}
 */
function commandHelp(name) {
  const spec = COMMANDS[name];
  return `Usage: ${spec.usage}

${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.
${spec.details}

${GLOBAL_HELP}`;
}

/**
 * The usage line of a command, or of tcc itself.
 * @param {string | undefined} name
 * @returns {string}
 */
function usageLine(name) {
  if (name && Object.hasOwn(COMMANDS, name)) return `Usage: ${COMMANDS[name].usage}`;
  return 'Usage: tcc <command> [arguments] [options]  (tcc --help lists the commands)';
}

/**
 * Splits the command line into a command, its named positionals and options.
 * Global options may stand anywhere; anything unknown is a {@link UsageError}.
 * @param {string[]} argv the arguments after `tcc`
 * @returns {ParsedCommandLine}
 */
function parseCommandLine(argv) {
  const index = commandIndex(argv);
  const name = index === -1 ? undefined : argv[index];
  if (name === 'help') {
    const topic = argv[index + 1];
    if (topic !== undefined && Object.hasOwn(COMMANDS, topic)) {
      return { kind: 'help', text: commandHelp(topic) };
    }
    return { kind: 'help', text: mainHelp() };
  }
  if (name === undefined) {
    if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: mainHelp() };
    throw new UsageError('a command is required');
  }
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}"`);
  const spec = COMMANDS[name];
  const rest = [...argv];
  rest.splice(index, 1);

  const specs = { ...GLOBAL_OPTIONS, ...spec.options };
  const { args: shielded, restore } = shieldNegativeNumbers(rest, specs);

  /** @type {{ values: Record<string, string | boolean | undefined>, positionals: string[] }} */
  let parsed;
  try {
    // No option is declared `multiple`, so no value is an array.
    parsed = /** @type {typeof parsed} */ (
      parseArgs({ args: shielded, options: specs, allowPositionals: true, strict: true })
    );
  } catch (error) {
    throw new UsageError(describeParseError(error, shielded, specs, name), name);
  }
  parsed.positionals = parsed.positionals.map(restore);
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help', text: commandHelp(name) };
  if (positionals.length < spec.positionals.length) {
    const missing = spec.positionals.slice(positionals.length).map((p) => `<${p}>`);
    throw new UsageError(`missing ${missing.join(' ')}`, name);
  }
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${positionals[spec.positionals.length]}"`, name);
  }
  /** @type {Record<string, string>} */
  const args = {};
  spec.positionals.forEach((key, i) => {
    if (positionals[i].trim() === '') throw new UsageError(`<${key}> must not be empty`, name);
    args[key] = positionals[i];
  });
  /** @type {Record<string, string | boolean | undefined>} */
  const options = {};
  for (const key of Object.keys(spec.options)) options[key] = values[key];
  return {
    kind: 'run',
    command: name,
    args,
    options,
    global: {
      url: stringOption(values.url),
      apiKey: stringOption(values['api-key']),
      adminToken: stringOption(values['admin-token']),
      json: values.json === true,
    },
  };
}

/**
 * A negative number is a value, never an option (no option is a digit), but
 * parseArgs reads `-5` as an unknown option. After an option that takes a value
 * it becomes that option's inline value (`--timeout=-5`); elsewhere it is
 * swapped for a placeholder that `restore` turns back into the positional, so
 * the command's own check can say what is allowed.
 * @param {string[]} args
 * @param {NonNullable<OptionSpecs>} options
 * @returns {{ args: string[], restore: (positional: string) => string }}
 */
function shieldNegativeNumbers(args, options) {
  /** @type {string[]} */
  const out = [];
  /** @type {Map<string, string>} */
  const hidden = new Map();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (!/^-\d/.test(arg)) {
      out.push(arg);
      continue;
    }
    const previous = out.at(-1);
    const takesValue =
      previous?.startsWith('--') === true &&
      !previous.includes('=') &&
      options[previous.slice(2)]?.type === 'string';
    if (takesValue) {
      out[out.length - 1] = `${previous}=${arg}`;
    } else {
      const placeholder = `\u0000${hidden.size}`;
      hidden.set(placeholder, arg);
      out.push(placeholder);
    }
  }
  return { args: out, restore: (positional) => hidden.get(positional) ?? positional };
}

/**
 * One line for what parseArgs refused, naming the option; its own messages
 * span lines and quote unevenly.
 * @param {unknown} error
 * @param {string[]} args
 * @param {NonNullable<OptionSpecs>} options
 * @param {string} command
 * @returns {string}
 */
function describeParseError(error, args, options, command) {
  const { tokens } = parseArgs({
    args,
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec === undefined) {
      return `unknown option "${token.rawName}" ("tcc ${command} --help" lists the options)`;
    }
    if (spec.type === 'boolean' && token.value !== undefined) {
      return `${token.rawName} takes no value`;
    }
    if (token.value === undefined) return `${token.rawName} needs a value`;
    if (!token.inlineValue && token.value.startsWith('-')) {
      return `${token.rawName} needs a value; for one that starts with "-", write ${token.rawName}=${token.value}`;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/**
 * Position of the command name: the first argument that is neither an option
 * nor the value of a global option given as `--url VALUE`.
 * @param {string[]} argv
 * @returns {number}
 */
function commandIndex(argv) {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!arg.startsWith('-')) return i;
    const spec = GLOBAL_OPTIONS[arg.replace(/^--/, '')];
    if (arg.startsWith('--') && spec?.type === 'string') i += 1;
  }
  return -1;
}

/**
 * @param {string | boolean | undefined} value
 * @returns {string | undefined}
 */
function stringOption(value) {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads a whole number within bounds; amounts and quantities are 1 … 2^53−1 on the wire.
 * @param {string} text
 * @param {string} what names the argument in the error
 * @param {string | undefined} command
 * @param {{ min?: number, max?: number }} [bounds]
 * @returns {number}
 */
function parseInteger(text, what, command, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  const value = Number(text);
  if (/^\d+$/.test(text) && Number.isSafeInteger(value) && value >= min && value <= max) {
    return value;
  }
  throw new UsageError(`${what} must be ${integerRange(min, max)}, got "${text}"`, command);
}

/**
 * @param {number} min
 * @param {number} max
 * @returns {string}
 */
function integerRange(min, max) {
  if (max !== Number.MAX_SAFE_INTEGER) return `an integer from ${min} to ${max}`;
  return min === 1 ? `a positive integer (1 to ${max})` : `an integer of at least ${min}`;
}

/**
 * @typedef {object} Connection
 * @property {string} baseUrl without a trailing slash
 * @property {string} apiKey
 * @property {string} adminToken
 */

/** Token a coordinator started without TCC_API_KEY accepts outside production. */
const DEV_API_KEY = 'dev-api-key';
/** Token a coordinator started without TCC_ADMIN_TOKEN accepts outside production. */
const DEV_ADMIN_TOKEN = 'dev-admin-token';

/**
 * Where to send requests and with which tokens: options first, then the environment, then defaults.
 * @param {GlobalOptions} global
 * @param {Record<string, string | undefined>} env
 * @returns {Connection}
 */
function resolveConnection(global, env) {
  const nonEmpty = (/** @type {string | undefined} */ value) =>
    value !== undefined && value !== '' ? value : undefined;
  const url =
    nonEmpty(global.url) ??
    nonEmpty(env.TCC_COORDINATOR_URL) ??
    nonEmpty(env.COORDINATOR_URL) ??
    'http://127.0.0.1:3000';
  /** @type {URL} */
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`coordinator URL "${url}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`coordinator URL "${url}" must use http or https`);
  }
  if (parsed.username || parsed.password) {
    throw new UsageError(
      'coordinator URL must not carry credentials; use --api-key or TCC_API_KEY',
    );
  }
  const explicitAdmin = nonEmpty(global.adminToken) ?? nonEmpty(env.TCC_ADMIN_TOKEN);
  return {
    baseUrl: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`,
    // The coordinator accepts the admin token on client endpoints too.
    apiKey: nonEmpty(global.apiKey) ?? nonEmpty(env.TCC_API_KEY) ?? explicitAdmin ?? DEV_API_KEY,
    adminToken: explicitAdmin ?? DEV_ADMIN_TOKEN,
  };
}

module.exports = {
  COMMANDS,
  TRANSACTION_STATUSES,
  parseCommandLine,
  parseInteger,
  resolveConnection,
  usageLine,
  mainHelp,
  commandHelp,
};
