import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  DEADLINE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  SIGNATURE_TOLERANCE_MS,
  signCall,
} from '@app/protocol';
import type { Stack } from '../../support/stack';
import type { Credential, FuzzCase } from './cases';
import { toJsonText } from './hostile';
import { RawRequest, RawResponse, sendRaw } from './raw-http';
import { Expectations, Fingerprint, StackProbe } from './state';

const POOL_TIMEOUT_MS = 600_000;
const SETTLE_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A request as sent, with what the runner needs to undo it. */
interface Prepared {
  request: RawRequest;
  /** Decoded path segments, as the app's router sees them. */
  segments: string[];
}

/**
 * Runs generated cases against a live stack and holds every answer to the
 * contract: never a 5xx, a problem+json body on every error, no success
 * without the right credential or signature, no change of state on a
 * refusal (beyond the refused try the protocol records), every process
 * still running. Successful writes are undone or settled afterwards, so
 * the money and stock invariants can be checked at the end.
 */
export class HostileRunner {
  private before: Fingerprint | null = null;
  private trying: { id: string; createdAt: number } | null = null;
  /** Cases run, by status class, for the report. */
  readonly statuses = new Map<number, number>();

  constructor(
    private readonly stack: Stack,
    private readonly probe: StackProbe,
    private readonly finishedId: string,
    readonly expected: Expectations,
  ) {}

  private baseUrl(target: FuzzCase['target']): string {
    return this.stack.apps[target].url;
  }

  // `variant` picks among near misses and malformed headers, the same way for the same case.
  private authorization(credential: Credential, variant: number): string | undefined {
    const { apiKey, adminToken } = this.stack.secrets;
    switch (credential) {
      case 'api-key':
        return `Bearer ${apiKey}`;
      case 'admin-token':
        return `Bearer ${adminToken}`;
      case 'none':
        return undefined;
      case 'wrong':
        return `Bearer wrong-${randomUUID()}`;
      case 'near-miss':
        // The real key with one character more, one less, or changed: compared in full, refused.
        return `Bearer ${[`${apiKey}x`, apiKey.slice(0, -1), `${apiKey.slice(0, -1)}0`, apiKey.toUpperCase()][variant % 4]}`;
      case 'malformed':
        return [
          'Bearer',
          'Basic dXNlcjpwYXNz',
          `Bearer ${apiKey} extra`,
          `Token ${apiKey}`,
          `Bearer "${apiKey}"`,
          `Bearer ${apiKey},${apiKey}`,
        ][variant % 6];
    }
  }

  /** A TRYING transaction with one tried debit, recreated long before its deadline. */
  private async ensureTrying(): Promise<string> {
    if (this.trying && Date.now() - this.trying.createdAt < POOL_TIMEOUT_MS / 2) {
      const { rows } = await this.probe.coordinator.query<{ open: boolean }>(
        `SELECT status = 'TRYING' AND NOT resolved AS open FROM transactions WHERE id = $1`,
        [this.trying.id],
      );
      if (rows[0]?.open) return this.trying.id;
    }
    const previous = this.trying?.id;
    if (previous) await this.stack.api.cancel(previous);
    const begun = await this.stack.api.beginTransaction({
      branches: [
        { participant: 'account', action: 'debit', payload: { accountId: 'fz-a', amount: 1 } },
      ],
      autoCommit: false,
      timeoutMs: POOL_TIMEOUT_MS,
    });
    if (!begun.ok || begun.status !== 201) {
      throw new Error(`pool transaction: ${begun.status} ${JSON.stringify(begun.body)}`);
    }
    const { id } = begun.body;
    this.trying = { id, createdAt: Date.now() };
    await this.settle();
    this.before = null;
    return id;
  }

  private async prepare(fuzz: FuzzCase): Promise<Prepared> {
    const segments: string[] = [];
    for (const segment of fuzz.path) {
      if (segment === '$trying') segments.push(await this.ensureTrying());
      else if (segment === '$finished') segments.push(this.finishedId);
      else segments.push(segment);
    }
    const path = `/${segments.join('/')}${fuzz.query}`;
    const decoded = segments.map(safeDecode);
    let body: string | undefined;
    if (fuzz.body !== null) {
      body = 'tree' in fuzz.body ? toJsonText(fuzz.body.tree) : fuzz.body.text;
      body = body
        .replaceAll('"$tx"', JSON.stringify(randomUUID()))
        .replaceAll('"$branch"', JSON.stringify(randomUUID()));
    }
    const headers: Record<string, string> = { ...fuzz.headers };
    if (headers['x-oversized'] === '$oversized') headers['x-oversized'] = 'a'.repeat(20 * 1024);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const authorization = this.authorization(fuzz.credential, path.length + fuzz.method.length);
    if (authorization !== undefined) headers.authorization = authorization;
    if (fuzz.signature !== undefined) {
      const signedPath = fuzz.access === 'signed' ? `/${decoded.join('/')}` : '/v1/participants';
      Object.assign(headers, this.signatureHeaders(fuzz, fuzz.method, signedPath, body ?? ''));
    }
    return { request: { method: fuzz.method, path, headers, body }, segments: decoded };
  }

  private signatureHeaders(
    fuzz: FuzzCase,
    method: string,
    path: string,
    body: string,
  ): Record<string, string> {
    const now = Date.now();
    const headers: Record<string, string> = {};
    let deadline = '';
    if (fuzz.deadline === 'future') deadline = String(now + 60_000);
    else if (fuzz.deadline === 'past') deadline = String(now - 60_000);
    else if (fuzz.deadline !== undefined && fuzz.deadline !== 'none') deadline = fuzz.deadline;
    if (fuzz.deadline !== undefined && fuzz.deadline !== 'none')
      headers[DEADLINE_HEADER] = deadline;
    const skew = { stale: -1, future: 1 }[fuzz.signature as string] ?? 0;
    const timestamp = String(now + skew * (SIGNATURE_TOLERANCE_MS + 60_000));
    headers[TIMESTAMP_HEADER] = timestamp;
    const { signingSecret } = this.stack.secrets;
    const sign = (secret: string, signed: string) =>
      signCall(secret, { timestamp, method, path, deadline, body: signed });
    switch (fuzz.signature) {
      case 'valid':
      case 'stale':
      case 'future':
        headers[SIGNATURE_HEADER] = sign(signingSecret, body);
        break;
      case 'wrong-secret':
        headers[SIGNATURE_HEADER] = sign(`${signingSecret}-not`, body);
        break;
      case 'other-body':
        headers[SIGNATURE_HEADER] = sign(signingSecret, `${body} `);
        break;
      case 'upper-case-hex':
        headers[SIGNATURE_HEADER] = `sha256=${sign(signingSecret, body).slice(7).toUpperCase()}`;
        break;
      case 'garbage':
        headers[SIGNATURE_HEADER] = `sha256=${'z'.repeat(64)}`;
        break;
      case 'missing':
      case undefined:
        break;
    }
    return headers;
  }

  /** Runs one case; throws with everything needed to understand a violation. */
  async run(fuzz: FuzzCase): Promise<void> {
    const prepared = await this.prepare(fuzz);
    this.before ??= await this.probe.fingerprint();
    const response = await sendRaw(this.baseUrl(fuzz.target), prepared.request);
    this.statuses.set(response.status, (this.statuses.get(response.status) ?? 0) + 1);
    const fail = (problem: string): never => {
      throw new Error(
        `${problem}\n  case: ${fuzz.endpoint} ${prepared.request.method} ${prepared.request.path.slice(0, 300)}` +
          `\n  answer: ${response.status} ${response.text.slice(0, 600)}`,
      );
    };

    if (response.status >= 500) fail('a 5xx');
    if (response.status === 429) fail('rate limited, but the limit is off');
    if (response.status >= 400 && prepared.request.method !== 'HEAD') {
      const problem = response.json as { status?: unknown; code?: unknown } | undefined;
      if (!/^application\/problem\+json/.test(response.headers['content-type'] ?? '')) {
        fail('an error that is not application/problem+json');
      }
      if (problem?.status !== response.status || typeof problem.code !== 'string') {
        fail('a problem body without its status and code');
      }
    }
    const ok = response.status >= 200 && response.status < 300;
    if (ok) this.checkAccess(fuzz, fail);
    this.checkAlive(fail);

    if (ok) {
      await this.afterSuccess(fuzz, prepared, response, fail);
      this.before = await this.probe.fingerprint();
      return;
    }
    const after = await this.probe.fingerprint();
    if (!isDeepStrictEqual(after.business, this.before.business)) {
      fail(`a refusal changed business rows: ${diff(this.before.business, after.business)}`);
    }
    if (
      !isDeepStrictEqual(after.log, this.before.log) &&
      !recordsRefusal(fuzz, prepared, response)
    ) {
      fail(`a refusal changed log rows: ${diff(this.before.log, after.log)}`);
    }
    this.before = after;
  }

  private checkAccess(fuzz: FuzzCase, fail: (problem: string) => never): void {
    const client = fuzz.credential === 'api-key' || fuzz.credential === 'admin-token';
    switch (fuzz.access) {
      case 'client':
        if (!client) fail(`a success without a valid token (${fuzz.credential})`);
        break;
      case 'admin':
        if (fuzz.credential !== 'admin-token') fail(`an admin success with ${fuzz.credential}`);
        break;
      case 'signed':
        if (fuzz.signature !== 'valid')
          fail(`a phase call succeeded with signature ${fuzz.signature}`);
        break;
      case 'signed-client':
        if (!client || fuzz.signature !== 'valid') {
          fail(`a registration succeeded with ${fuzz.credential} and signature ${fuzz.signature}`);
        }
        break;
      case 'public':
      case 'unknown':
        break;
    }
  }

  private checkAlive(fail: (problem: string) => never): void {
    for (const app of Object.values(this.stack.apps)) {
      try {
        process.kill(app.pid, 0);
      } catch {
        fail(`${app.app} is no longer running`);
      }
    }
  }

  /** Undoes or settles what a successful write did, and notes new opening balances and stock. */
  private async afterSuccess(
    fuzz: FuzzCase,
    prepared: Prepared,
    response: RawResponse,
    fail: (problem: string) => never,
  ): Promise<void> {
    const body = response.json as Record<string, unknown> | undefined;
    const [first, second, third, , fifth] = prepared.segments;
    if (fuzz.target !== 'coordinator' && first === 'tcc' && third === 'try') {
      // A signed try that held something: cancel it the way the coordinator would.
      const cancel = await this.signedCall(
        fuzz.target,
        second,
        'cancel',
        prepared.request.body ?? '',
      );
      if (cancel.status !== 200)
        fail(`the cancel of a successful try answered ${cancel.status} ${cancel.text}`);
    }
    if (
      fuzz.target === 'coordinator' &&
      first === 'v1' &&
      second === 'admin' &&
      fifth === 'resolve'
    ) {
      await this.settleByHand(String(body?.id));
    }
    if (prepared.request.method !== 'GET' && body) {
      if (fuzz.target === 'inventory' && typeof body.sku === 'string') {
        const total = Number(body.available) + Number(body.reserved) + Number(body.sold);
        this.expected.skus.set(body.sku, total);
      }
      if (fuzz.target === 'account' && typeof body.id === 'string' && 'balance' in body) {
        this.expected.accounts.set(body.id, Number(body.balance));
      }
    }
    await this.settle();
  }

  /** A phase call signed exactly as the coordinator signs it. */
  signedCall(
    target: FuzzCase['target'],
    action: string,
    phase: string,
    body: string,
  ): Promise<RawResponse> {
    const path = `/tcc/${action}/${phase}`;
    const timestamp = String(Date.now());
    const signature = signCall(this.stack.secrets.signingSecret, {
      timestamp,
      method: 'POST',
      path,
      deadline: '',
      body,
    });
    return sendRaw(this.baseUrl(target), {
      method: 'POST',
      path: `/tcc/${encodeURIComponent(action)}/${phase}`,
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signature,
      },
      body,
    });
  }

  /** What an operator does before resolving: cancel every branch by hand at its participant. */
  private async settleByHand(transactionId: string): Promise<void> {
    const { rows } = await this.probe.coordinator.query<{
      id: string;
      participant: 'inventory' | 'account';
      action: string;
      payload: Record<string, unknown>;
    }>('SELECT id, participant, action, payload FROM branches WHERE transaction_id = $1', [
      transactionId,
    ]);
    for (const branch of rows) {
      const body = JSON.stringify({ transactionId, branchId: branch.id, payload: branch.payload });
      const answer = await this.signedCall(branch.participant, branch.action, 'cancel', body);
      if (answer.status !== 200) {
        throw new Error(
          `settling branch ${branch.id} by hand answered ${answer.status} ${answer.text}`,
        );
      }
    }
  }

  /** Cancels every TRYING transaction but the pool's and waits until nothing else is unfinished. */
  async settle(): Promise<void> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const open = (await this.probe.unfinished()).filter((row) => row.id !== this.trying?.id);
      if (open.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `transactions still unfinished after ${SETTLE_TIMEOUT_MS} ms: ${JSON.stringify(open)}`,
        );
      }
      for (const row of open.filter((candidate) => candidate.status === 'TRYING')) {
        await this.stack.api.cancel(row.id);
      }
      await sleep(50);
    }
  }

  /** Cancels the pool's transaction too, so that nothing stays held. */
  async finish(): Promise<void> {
    if (this.trying) await this.stack.api.cancel(this.trying.id);
    this.trying = null;
    await this.settle();
  }
}

/** The refusals the protocol records: a try refused by the participant leaves its barrier row and branch. */
function recordsRefusal(fuzz: FuzzCase, prepared: Prepared, response: RawResponse): boolean {
  if (response.status !== 409) return false;
  const code = (response.json as { code?: string } | undefined)?.code;
  if (fuzz.target === 'coordinator') {
    return prepared.segments[3] === 'branches' && code === 'TRY_REFUSED';
  }
  return prepared.segments[0] === 'tcc' && prepared.segments[2] === 'try';
}

function diff(before: Record<string, string>, after: Record<string, string>): string {
  return Object.keys(after)
    .filter((key) => before[key] !== after[key])
    .map((key) => `${key} ${before[key]} -> ${after[key]}`)
    .join('; ');
}
