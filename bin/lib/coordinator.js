// @ts-check
'use strict';

const {
  CoordinatorClient,
  CoordinatorUnreachableError,
  UNEXPECTED_RESPONSE,
} = require('@tcc-coordinator/client');
const { HttpError, UnreachableError } = require('./errors');

/** How long one request may take; an autoCommit transaction answers only after both phases. */
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * @typedef {object} Answer
 * @property {any} body the parsed JSON body
 * @property {Record<string, string>} headers lower-case names
 */

/**
 * The coordinator client `tcc` commands use, with the credentials of `connection`.
 * @param {import('./args').Connection} connection
 * @returns {CoordinatorClient}
 */
function connect(connection) {
  return new CoordinatorClient({
    baseUrl: connection.baseUrl,
    apiKey: connection.apiKey,
    adminToken: connection.adminToken,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
}

/**
 * Waits for a client call: a 4xx/5xx answer becomes an {@link HttpError}, no answer an {@link UnreachableError}.
 * @param {Promise<import('@tcc-coordinator/client').ApiResponse<unknown>>} call
 * @returns {Promise<Answer>}
 */
async function answerOf(call) {
  /** @type {import('@tcc-coordinator/client').ApiResponse<unknown>} */
  let response;
  try {
    response = await call;
  } catch (error) {
    if (error instanceof CoordinatorUnreachableError) {
      throw new UnreachableError(error.message, error.cause);
    }
    throw error;
  }
  if (response.ok) return { body: response.body, headers: response.headers };
  throw new HttpError(response.status, asPrinted(response.body));
}

/**
 * A body that was not problem+json is shown as what the server said, without the client's own code.
 * @param {import('@tcc-coordinator/client').ProblemDetails} problem
 * @returns {import('./errors').Problem}
 */
function asPrinted(problem) {
  if (problem.code !== UNEXPECTED_RESPONSE) return problem;
  const { status, title, detail } = problem;
  return { status, title, detail };
}

module.exports = { connect, answerOf, REQUEST_TIMEOUT_MS };
