// @ts-check
'use strict';

/** Exit codes of `tcc`; scripts branch on them, so they never change meaning. */
const EXIT = Object.freeze({
  /** The command did what was asked (status/list: found; transfer/buy: the transaction confirmed). */
  OK: 0,
  /** transfer/buy: the transaction was cancelled (or is being cancelled) or is stuck. */
  NOT_CONFIRMED: 1,
  /** retry: phase 2 is still unfinished; shards: the rebalance failed (the same code: the work is not done). */
  UNFINISHED: 1,
  /** `conformance`: the participant broke a rule (the same code: what was checked did not hold). */
  RULE_BROKEN: 1,
  /** The command line was wrong; nothing was sent. */
  USAGE: 2,
  /** The coordinator answered with a 4xx or 5xx (including a refused token). */
  HTTP: 3,
  /** The coordinator could not be reached or did not answer in time. */
  UNREACHABLE: 4,
});

/** A command line `tcc` cannot run; `command` selects the usage text shown with it. */
class UsageError extends Error {
  /**
   * @param {string} message
   * @param {string | undefined} [command]
   */
  constructor(message, command) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/**
 * @typedef {{ type?: string, title?: string, status?: number, detail?: string, code?: string,
 *   errors?: { field: string, messages: string[] }[], [key: string]: unknown }} Problem
 */

/** The coordinator answered 4xx/5xx; `problem` is its problem+json body (or what could be made of the body). */
class HttpError extends Error {
  /**
   * @param {number} status
   * @param {Problem} problem
   */
  constructor(status, problem) {
    super(problem.detail ?? `HTTP ${status}`);
    this.name = 'HttpError';
    this.status = status;
    this.problem = problem;
  }
}

/** No HTTP answer at all: connection refused, DNS failure, reset, or the request timed out. */
class UnreachableError extends Error {
  /**
   * @param {string} message
   * @param {unknown} [cause]
   */
  constructor(message, cause) {
    super(message, { cause });
    this.name = 'UnreachableError';
  }
}

module.exports = { EXIT, UsageError, HttpError, UnreachableError };
