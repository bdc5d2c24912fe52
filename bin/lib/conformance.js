// @ts-check
'use strict';

const { randomUUID } = require('node:crypto');
const {
  DEADLINE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signCall,
} = require('@tcc-coordinator/client');
const { UnreachableError } = require('./errors');

/** How long one phase call may take before the rule that sent it fails. */
const CALL_TIMEOUT_MS = 10_000;
/** How far in the past a stale signature is dated: twice the five minutes a participant tolerates. */
const STALE_BY_MS = 10 * 60 * 1000;
/** Deadline of ordinary tries: far enough that no loaded machine reaches it. */
const TRY_DEADLINE_MS = 5 * 60 * 1000;

/** @typedef {'try' | 'confirm' | 'cancel'} Phase */

/**
 * @typedef {object} Target
 * @property {string} baseUrl the participant, without a trailing slash
 * @property {string} action
 * @property {Record<string, unknown>} payload a payload whose try succeeds
 * @property {Record<string, unknown> | undefined} refusedPayload a payload whose try is refused
 * @property {string} secret TCC_SIGNING_SECRET
 * @property {number} rounds how many times try and cancel of one branch are raced
 */

/**
 * @typedef {object} Answer
 * @property {number} status 0 when no answer came
 * @property {string} [code] the problem's `code`, or why no answer came
 */

/**
 * @typedef {object} Verdict
 * @property {boolean} ok
 * @property {string} saw what the participant answered, in order
 */

/**
 * @typedef {object} RuleResult
 * @property {string} name
 * @property {string} rule what the participant must do
 * @property {'pass' | 'fail' | 'skip'} result
 * @property {string} saw
 */

/**
 * @typedef {object} Branch
 * @property {(phase: Phase, options?: CallOptions) => Promise<Answer>} call
 */

/**
 * @typedef {object} CallOptions
 * @property {Record<string, unknown>} [payload] default: the target's payload
 * @property {string} [deadline] X-TCC-Deadline of a try; default five minutes from now
 * @property {'valid' | 'none' | 'other-secret' | 'stale'} [signature]
 */

/**
 * One branch of a transaction made up for one rule: phase calls signed the
 * way the coordinator signs them, over the same body each time.
 * @param {Target} target
 * @returns {Branch}
 */
function newBranch(target) {
  const transactionId = `conformance-${randomUUID()}`;
  const branchId = randomUUID();
  return {
    async call(phase, options = {}) {
      const body = JSON.stringify({
        transactionId,
        branchId,
        payload: options.payload ?? target.payload,
      });
      const path = `/tcc/${target.action}/${phase}`;
      const deadline =
        phase === 'try' ? (options.deadline ?? String(Date.now() + TRY_DEADLINE_MS)) : '';
      const signature = options.signature ?? 'valid';
      const timestamp = String(signature === 'stale' ? Date.now() - STALE_BY_MS : Date.now());
      const secret = signature === 'other-secret' ? `not-${target.secret}` : target.secret;
      /** @type {Record<string, string>} */
      const headers = { 'content-type': 'application/json', accept: 'application/json' };
      if (deadline) headers[DEADLINE_HEADER] = deadline;
      if (signature !== 'none') {
        headers[TIMESTAMP_HEADER] = timestamp;
        headers[SIGNATURE_HEADER] = signCall(secret, {
          timestamp,
          method: 'POST',
          path,
          deadline,
          body,
        });
      }
      return send(`${target.baseUrl}${path}`, headers, body);
    },
  };
}

/**
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {string} body
 * @returns {Promise<Answer>}
 */
async function send(url, headers, body) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      redirect: 'error',
    });
    const text = await response.text();
    return { status: response.status, code: problemCode(text) };
  } catch (error) {
    return { status: 0, code: noAnswer(error) };
  }
}

/**
 * @param {string} text
 * @returns {string | undefined}
 */
function problemCode(text) {
  try {
    const body = JSON.parse(text);
    return typeof body?.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a call got no answer, as short as fetch allows: ECONNREFUSED, TimeoutError, …
 * @param {unknown} error
 * @returns {string}
 */
function noAnswer(error) {
  const failure = /** @type {{ name?: unknown, message?: unknown, cause?: { code?: unknown } }} */ (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  );
  if (failure.name === 'TimeoutError') return `no answer within ${CALL_TIMEOUT_MS / 1000} s`;
  return String(failure.cause?.code ?? failure.message);
}

/**
 * `try → 200`, or `try → no answer (ECONNREFUSED)`, or `try → 409 TRY_CANCELLED`.
 * @param {string} label
 * @param {Answer} answer
 * @returns {string}
 */
function shown(label, answer) {
  if (answer.status === 0) return `${label} → no answer (${answer.code})`;
  return `${label} → ${answer.status}${answer.code ? ` ${answer.code}` : ''}`;
}

/**
 * @param {[string, Answer, number][]} steps label, answer and the status the rule wants
 * @returns {Verdict}
 */
function expectStatuses(steps) {
  const ok = steps.every(([, answer, wanted]) => answer.status === wanted);
  const saw = steps
    .map(([label, answer, wanted]) =>
      answer.status === wanted ? shown(label, answer) : `${shown(label, answer)} (want ${wanted})`,
    )
    .join(', ');
  return { ok, saw };
}

/**
 * @typedef {object} Rule
 * @property {string} name
 * @property {string} rule
 * @property {(target: Target) => Promise<Verdict | null>} check null: skipped
 */

/** @type {Rule[]} */
const RULES = [
  {
    name: 'unsigned',
    rule: 'an unsigned call is refused with 401',
    check: async (target) =>
      expectStatuses([['try', await newBranch(target).call('try', { signature: 'none' }), 401]]),
  },
  {
    name: 'wrong-signature',
    rule: 'a call signed with another secret is refused with 401',
    check: async (target) =>
      expectStatuses([
        ['try', await newBranch(target).call('try', { signature: 'other-secret' }), 401],
      ]),
  },
  {
    name: 'stale-signature',
    rule: 'a call signed 10 minutes ago is refused with 401',
    check: async (target) =>
      expectStatuses([['try', await newBranch(target).call('try', { signature: 'stale' }), 401]]),
  },
  {
    name: 'try-repeated',
    rule: 'a try answers 200 and its repeat the same',
    check: async (target) => {
      const branch = newBranch(target);
      const first = await branch.call('try');
      const repeat = await branch.call('try');
      // Release the hold, as the coordinator would once it decides.
      await branch.call('cancel');
      return expectStatuses([
        ['try', first, 200],
        ['repeated try', repeat, 200],
      ]);
    },
  },
  {
    name: 'confirm-repeated',
    rule: 'a confirm after a try answers 200 and its repeat too',
    check: async (target) => {
      const branch = newBranch(target);
      return expectStatuses([
        ['try', await branch.call('try'), 200],
        ['confirm', await branch.call('confirm'), 200],
        ['repeated confirm', await branch.call('confirm'), 200],
      ]);
    },
  },
  {
    name: 'cancel-before-try',
    rule: 'a cancel whose try never came answers 200, and the late try 409',
    check: async (target) => {
      const branch = newBranch(target);
      return expectStatuses([
        ['cancel', await branch.call('cancel'), 200],
        ['late try', await branch.call('try'), 409],
      ]);
    },
  },
  {
    name: 'deadline-passed',
    rule: 'a try past X-TCC-Deadline answers 409',
    check: async (target) => {
      const branch = newBranch(target);
      const late = await branch.call('try', { deadline: String(Date.now() - 1000) });
      await branch.call('cancel');
      return expectStatuses([['try past its deadline', late, 409]]);
    },
  },
  {
    name: 'confirm-without-try',
    rule: 'a confirm without a try answers 409',
    check: async (target) =>
      expectStatuses([['confirm', await newBranch(target).call('confirm'), 409]]),
  },
  {
    name: 'refused-payload',
    rule: 'the refused payload answers 409 and its repeat too',
    check: async (target) => {
      const payload = target.refusedPayload;
      if (payload === undefined) return null;
      const branch = newBranch(target);
      const first = await branch.call('try', { payload });
      const repeat = await branch.call('try', { payload });
      await branch.call('cancel', { payload });
      return expectStatuses([
        ['try', first, 409],
        ['repeated try', repeat, 409],
      ]);
    },
  },
  {
    name: 'try-cancel-race',
    rule: 'a try raced with its cancel ends as if one came first',
    check: async (target) => {
      /** @type {string[]} */
      const wrong = [];
      let tryFirst = 0;
      for (let round = 1; round <= target.rounds; round++) {
        const branch = newBranch(target);
        // Every other round sends the cancel first, so both orders get their chance to win.
        const [tried, cancelled] =
          round % 2 === 0
            ? await Promise.all([branch.call('try'), branch.call('cancel')])
            : await Promise.all([branch.call('cancel'), branch.call('try')]).then(([c, t]) => [
                t,
                c,
              ]);
        // Either order leaves the branch cancelled, so no confirm may apply it.
        const confirmed = await branch.call('confirm');
        const consistent =
          cancelled.status === 200 &&
          (tried.status === 200 || tried.status === 409) &&
          confirmed.status === 409;
        if (tried.status === 200) tryFirst += 1;
        if (!consistent) {
          const steps = [
            shown('try', tried),
            shown('cancel', cancelled),
            shown('confirm', confirmed),
          ];
          wrong.push(
            `round ${round}: ${steps.join(', ')} (want cancel 200, try 200 or 409, confirm 409)`,
          );
        }
      }
      const rounds = `${target.rounds} rounds, try first in ${tryFirst}`;
      return wrong.length === 0
        ? { ok: true, saw: rounds }
        : {
            ok: false,
            saw: `${rounds}; ${wrong[0]}${wrong.length > 1 ? ` (+${wrong.length - 1} more)` : ''}`,
          };
    },
  },
];

/**
 * Runs every rule against the participant, one after the other.
 * @param {Target} target
 * @returns {Promise<RuleResult[]>}
 */
async function runConformance(target) {
  const probe = await newBranch(target).call('confirm', { signature: 'none' });
  if (probe.status === 0) {
    throw new UnreachableError(`cannot reach the participant at ${target.baseUrl} (${probe.code})`);
  }
  /** @type {RuleResult[]} */
  const results = [];
  for (const { name, rule, check } of RULES) {
    const verdict = await check(target);
    results.push(
      verdict === null
        ? { name, rule, result: 'skip', saw: 'no --refused-payload given' }
        : { name, rule, result: verdict.ok ? 'pass' : 'fail', saw: verdict.saw },
    );
  }
  return results;
}

/**
 * One line per rule, then the summary.
 * @param {RuleResult[]} results
 * @returns {string}
 */
function renderConformance(results) {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.map(
    (r) => `${r.result.toUpperCase().padEnd(4)}  ${r.name.padEnd(width)}  ${r.rule}: ${r.saw}`,
  );
  const count = (/** @type {RuleResult['result']} */ result) =>
    results.filter((r) => r.result === result).length;
  const summary = `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`;
  return `${lines.join('\n')}\n\n${summary}\n`;
}

module.exports = { RULES, runConformance, renderConformance };
