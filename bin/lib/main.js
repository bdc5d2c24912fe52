// @ts-check
'use strict';

const { parseCommandLine, resolveConnection, usageLine } = require('./args');
const { HANDLERS } = require('./commands');
const { connect } = require('./coordinator');
const { EXIT, HttpError, UnreachableError, UsageError } = require('./errors');
const { renderProblem } = require('./render');
const { clean } = require('./table');

/**
 * @typedef {object} Output
 * @property {(text: string) => void} stdout
 * @property {(text: string) => void} stderr
 */

/**
 * Runs one `tcc` command line and resolves to its exit code; never throws for
 * anything the coordinator or the user can cause.
 * @param {string[]} argv the arguments after `tcc`
 * @param {Record<string, string | undefined>} env
 * @param {Output} out
 * @returns {Promise<number>}
 */
async function runCli(argv, env, out) {
  /** @type {import('./args').ParsedCommandLine} */
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return reportUsage(error, out);
  }
  if (parsed.kind === 'help') {
    out.stdout(`${parsed.text}\n`);
    return EXIT.OK;
  }
  const json = parsed.global.json;
  try {
    const connection = resolveConnection(parsed.global, env);
    const handler = HANDLERS[/** @type {keyof typeof HANDLERS} */ (parsed.command)];
    return await handler({
      client: connect(connection),
      connection,
      args: parsed.args,
      options: parsed.options,
      json,
      env,
      print: out.stdout,
    });
  } catch (error) {
    if (error instanceof UsageError) {
      return reportUsage(new UsageError(error.message, error.command ?? parsed.command), out);
    }
    if (error instanceof HttpError) {
      if (json)
        out.stdout(`${JSON.stringify({ status: error.status, ...error.problem }, null, 2)}\n`);
      else
        out.stderr(
          renderProblem(error.status, error.problem) + authHint(error.status, parsed.command),
        );
      return EXIT.HTTP;
    }
    if (error instanceof UnreachableError) {
      out.stderr(`error: ${clean(error.message)}\n`);
      return EXIT.UNREACHABLE;
    }
    throw error;
  }
}

/**
 * @param {unknown} error
 * @param {Output} out
 * @returns {number}
 */
function reportUsage(error, out) {
  if (!(error instanceof UsageError)) throw error;
  out.stderr(`tcc: ${clean(error.message)}\n${usageLine(error.command)}\n`);
  return EXIT.USAGE;
}

/**
 * Names the token a refused request used, since that is what the person has to fix.
 * @param {number} status
 * @param {string} command
 * @returns {string}
 */
function authHint(status, command) {
  const admin = command === 'retry' || command === 'resolve';
  if (status === 401) {
    return admin
      ? "hint: set TCC_ADMIN_TOKEN (or --admin-token) to the coordinator's admin token\n"
      : "hint: set TCC_API_KEY (or --api-key) to the coordinator's API key\n";
  }
  if (status === 403 && admin) {
    return 'hint: this command needs the admin token, not the API key\n';
  }
  return '';
}

module.exports = { runCli };
