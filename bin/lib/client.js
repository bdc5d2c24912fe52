// @ts-check
'use strict';

const { HttpError, UnreachableError } = require('./errors');

/** How long one request may take; an autoCommit transaction answers only after both phases. */
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * @typedef {object} RequestOptions
 * @property {string} token bearer token for this call
 * @property {unknown} [body] sent as JSON
 * @property {Record<string, string>} [headers]
 */

/**
 * @typedef {object} Answer
 * @property {number} status
 * @property {Headers} headers
 * @property {any} body parsed JSON, or the text when the answer is not JSON, or null when empty
 */

/** Thin HTTP client for the coordinator API: JSON in, JSON out, failures as typed errors. */
class CoordinatorClient {
  /**
   * @param {string} baseUrl without a trailing slash
   * @param {{ timeoutMs?: number }} [options]
   */
  constructor(baseUrl, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    this.baseUrl = baseUrl;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Sends one request; a 4xx/5xx answer becomes an {@link HttpError}, no answer an {@link UnreachableError}.
   * @param {string} method
   * @param {string} path starting with `/`
   * @param {RequestOptions} options
   * @returns {Promise<Answer>}
   */
  async request(method, path, { token, body, headers = {} }) {
    const url = `${this.baseUrl}${path}`;
    /** @type {Response} */
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json, application/problem+json',
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new UnreachableError(unreachableMessage(this.baseUrl, error, this.timeoutMs), error);
    }
    /** @type {string} */
    let text;
    try {
      text = await response.text();
    } catch (error) {
      throw new UnreachableError(unreachableMessage(this.baseUrl, error, this.timeoutMs), error);
    }
    const parsed = parseBody(text, response.headers.get('content-type'));
    if (response.status >= 400) throw new HttpError(response.status, toProblem(response, parsed));
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

/**
 * @param {string} text
 * @param {string | null} contentType
 * @returns {unknown}
 */
function parseBody(text, contentType) {
  if (text === '') return null;
  if (contentType !== null && /json/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Any error body as a problem, so callers print one shape whether or not a proxy answered.
 * @param {Response} response
 * @param {unknown} body
 * @returns {import('./errors').Problem}
 */
function toProblem(response, body) {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    return /** @type {import('./errors').Problem} */ (body);
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 300) : '';
  return {
    status: response.status,
    title: response.statusText,
    detail: text !== '' ? text : `HTTP ${response.status} ${response.statusText}`.trim(),
  };
}

/**
 * @param {string} baseUrl
 * @param {unknown} error
 * @param {number} timeoutMs
 * @returns {string}
 */
function unreachableMessage(baseUrl, error, timeoutMs) {
  // Checked by shape, not instanceof: fetch's errors may come from another realm.
  const failure =
    /** @type {{ name?: unknown, message?: unknown, code?: unknown, cause?: unknown }} */ (
      typeof error === 'object' && error !== null ? error : { message: String(error) }
    );
  if (failure.name === 'TimeoutError') {
    return `the coordinator at ${baseUrl} did not answer within ${timeoutMs / 1000} s`;
  }
  // fetch wraps the socket error (ECONNREFUSED, ENOTFOUND, ...) in `cause`.
  const cause = /** @type {{ message?: unknown, code?: unknown }} */ (
    typeof failure.cause === 'object' && failure.cause !== null ? failure.cause : failure
  );
  const reason = cause.code ?? cause.message ?? failure.message;
  return `cannot reach the coordinator at ${baseUrl} (${String(reason)})`;
}

module.exports = { CoordinatorClient, REQUEST_TIMEOUT_MS };
