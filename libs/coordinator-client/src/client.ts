import { setTimeout as sleep } from 'node:timers/promises';
import {
  BeginTransactionRequest,
  BranchRequest,
  BranchView,
  IDEMPOTENCY_KEY_HEADER,
  ParticipantView,
  ProblemDetails,
  RegisterParticipantRequest,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  ParticipantList,
  TransactionPage,
  TransactionStatus,
  TransactionView,
  signCall,
} from '@app/protocol';

/** Where the coordinator is and which credentials this client presents. */
export interface CoordinatorClientOptions {
  /** Base URL of the coordinator, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** TCC_API_KEY, for client endpoints. */
  apiKey?: string;
  /** TCC_ADMIN_TOKEN, for admin endpoints (and client ones when no API key is given). */
  adminToken?: string;
  /** TCC_SIGNING_SECRET, needed only to register a participant. */
  signingSecret?: string;
  /** Abort a request after this long; default 10 s. A timed-out request is never sent again. */
  timeoutMs?: number;
  /** How many more times a request that got no answer is sent, where that is safe; default 2. */
  retries?: number;
  /** Delay before the first retry, doubling after each; default 200 ms. */
  retryDelayMs?: number;
}

/** A coordinator answer: the parsed body when 2xx, the problem details otherwise. */
export type ApiResponse<T> =
  | { ok: true; status: number; headers: Record<string, string>; body: T }
  | { ok: false; status: number; headers: Record<string, string>; body: ProblemDetails };

/** Per-call options. */
export interface CallOptions {
  /** Sent as `Idempotency-Key` where the endpoint supports it. */
  idempotencyKey?: string;
  /** Aborts the call (e.g. on shutdown). */
  signal?: AbortSignal;
}

/** Filters of `GET /v1/transactions`. */
export interface ListTransactionsQuery {
  status?: TransactionStatus;
  stuck?: boolean;
  participant?: string;
  limit?: number;
  cursor?: string;
}

/** Code of the problem synthesised when the coordinator's error body is not problem+json. */
export const UNEXPECTED_RESPONSE = 'UNEXPECTED_RESPONSE';

/** Path the participant registration is signed over. */
export const PARTICIPANTS_PATH = '/v1/participants';

/** The coordinator answered 4xx/5xx: thrown by {@link expectOk}, with the problem it answered. */
export class CoordinatorProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
  ) {
    super(`${problem.code}: ${problem.detail}`);
    this.name = 'CoordinatorProblemError';
  }
}

/** No answer came: connection refused, unknown host, broken connection or timeout; `cause` is fetch's error. */
export class CoordinatorUnreachableError extends Error {
  constructor(
    readonly baseUrl: string,
    /** True when the request was abandoned after `timeoutMs`. */
    readonly timedOut: boolean,
    message: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'CoordinatorUnreachableError';
  }
}

/** The body of a 2xx answer; a 4xx/5xx answer throws a {@link CoordinatorProblemError}. */
export function expectOk<T>(response: ApiResponse<T>): T {
  if (!response.ok) throw new CoordinatorProblemError(response.status, response.body);
  return response.body;
}

type Credential = 'client' | 'admin' | 'none';

/**
 * Whether a request that may have reached the coordinator can be sent again:
 * `always` for reads and decisions the coordinator repeats idempotently,
 * `with-key` where only an idempotency key makes a repeat harmless.
 */
type Repeat = 'always' | 'with-key';

interface Call {
  method: 'GET' | 'POST';
  path: string;
  credential: Credential;
  repeat: Repeat;
  body?: string;
  headers?: Record<string, string>;
}

/** Socket errors raised before a request left this process: sending it again cannot repeat anything. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A small typed client of the coordinator API, on global `fetch`; used by participants, the CLI, tests and the benchmark. */
export class CoordinatorClient {
  private readonly baseUrl: string;

  constructor(private readonly options: CoordinatorClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** `POST /v1/participants`, signed with the signing secret as only a real participant can. */
  registerParticipant(
    registration: RegisterParticipantRequest,
    options: CallOptions = {},
  ): Promise<ApiResponse<ParticipantView>> {
    const secret = this.options.signingSecret;
    if (!secret) throw new Error('registerParticipant needs the signing secret');
    const body = JSON.stringify(registration);
    const timestamp = String(Date.now());
    const signature = signCall(secret, {
      timestamp,
      method: 'POST',
      path: PARTICIPANTS_PATH,
      deadline: '',
      body,
    });
    // Registration is an upsert by name, so a repeat changes nothing; its timestamp stays fresh for minutes.
    const headers = { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature };
    return this.send(
      {
        method: 'POST',
        path: PARTICIPANTS_PATH,
        credential: 'client',
        repeat: 'always',
        body,
        headers,
      },
      options,
    );
  }

  /** `GET /v1/participants`. */
  listParticipants(options: CallOptions = {}): Promise<ApiResponse<ParticipantList>> {
    return this.send(
      { method: 'GET', path: PARTICIPANTS_PATH, credential: 'client', repeat: 'always' },
      options,
    );
  }

  /** `POST /v1/transactions`: starts a transaction (and, with autoCommit, runs it to its outcome). */
  beginTransaction(
    request: BeginTransactionRequest,
    options: CallOptions = {},
  ): Promise<ApiResponse<TransactionView>> {
    const body = JSON.stringify(request);
    return this.send(
      { method: 'POST', path: '/v1/transactions', credential: 'client', repeat: 'with-key', body },
      options,
    );
  }

  /** `GET /v1/transactions/:id`. */
  getTransaction(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    return this.send(
      { method: 'GET', path: transactionPath(id), credential: 'client', repeat: 'always' },
      options,
    );
  }

  /** `GET /v1/transactions?…`: newest first, keyset-paginated. */
  listTransactions(
    query: ListTransactionsQuery = {},
    options: CallOptions = {},
  ): Promise<ApiResponse<TransactionPage>> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.size > 0 ? `?${params.toString()}` : '';
    return this.send(
      { method: 'GET', path: `/v1/transactions${search}`, credential: 'client', repeat: 'always' },
      options,
    );
  }

  /** `POST /v1/transactions/:id/branches`: tries one more branch of a TRYING transaction. */
  addBranch(
    id: string,
    branch: BranchRequest,
    options: CallOptions = {},
  ): Promise<ApiResponse<BranchView>> {
    const path = `${transactionPath(id)}/branches`;
    const body = JSON.stringify(branch);
    return this.send(
      { method: 'POST', path, credential: 'client', repeat: 'with-key', body },
      options,
    );
  }

  /** `POST /v1/transactions/:id/confirm`. */
  confirm(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    const path = `${transactionPath(id)}/confirm`;
    return this.send({ method: 'POST', path, credential: 'client', repeat: 'always' }, options);
  }

  /** `POST /v1/transactions/:id/cancel`. */
  cancel(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    const path = `${transactionPath(id)}/cancel`;
    return this.send({ method: 'POST', path, credential: 'client', repeat: 'always' }, options);
  }

  /** `POST /v1/admin/transactions/:id/retry` (admin token): runs phase 2 now. */
  retry(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    const path = `/v1/admin/transactions/${encodeURIComponent(id)}/retry`;
    return this.send({ method: 'POST', path, credential: 'admin', repeat: 'always' }, options);
  }

  /** `POST /v1/admin/transactions/:id/cancel` (admin token): cancels a TRYING transaction. */
  adminCancel(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    const path = `/v1/admin/transactions/${encodeURIComponent(id)}/cancel`;
    return this.send({ method: 'POST', path, credential: 'admin', repeat: 'always' }, options);
  }

  /** `POST /v1/admin/transactions/:id/resolve` (admin token): a person settled it by hand. */
  resolve(
    id: string,
    note: string,
    options: CallOptions = {},
  ): Promise<ApiResponse<TransactionView>> {
    const path = `/v1/admin/transactions/${encodeURIComponent(id)}/resolve`;
    const body = JSON.stringify({ note });
    return this.send(
      { method: 'POST', path, credential: 'admin', repeat: 'always', body },
      options,
    );
  }

  /** `GET /health`, without credentials. */
  health(options: CallOptions = {}): Promise<ApiResponse<Record<string, unknown>>> {
    return this.send(
      { method: 'GET', path: '/health', credential: 'none', repeat: 'always' },
      options,
    );
  }

  private async send<T>(request: Call, options: CallOptions): Promise<ApiResponse<T>> {
    const retries = this.options.retries ?? 2;
    const repeatable =
      request.repeat === 'always' || (request.repeat === 'with-key' && !!options.idempotencyKey);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendOnce<T>(request, options);
      } catch (error) {
        if (!(error instanceof CoordinatorUnreachableError)) throw error;
        const retry =
          attempt < retries &&
          !error.timedOut &&
          !options.signal?.aborted &&
          (repeatable || NOT_SENT.has(errorCode(error.cause)));
        if (!retry) throw error;
        await sleep((this.options.retryDelayMs ?? 200) * 2 ** attempt, undefined, {
          signal: options.signal,
        });
      }
    }
  }

  private async sendOnce<T>(request: Call, options: CallOptions): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...request.headers,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const token = this.tokenFor(request.credential);
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.idempotencyKey) headers[IDEMPOTENCY_KEY_HEADER] = options.idempotencyKey;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: request.body,
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
        // A redirect would carry the bearer token to wherever it points.
        redirect: 'error',
      });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw this.unreachable(error, timeout.aborted, timeoutMs);
    }
    const responseHeaders = Object.fromEntries(response.headers.entries());
    const parsed = parseJson(text, response.headers.get('content-type'));
    if (response.ok) {
      return { ok: true, status: response.status, headers: responseHeaders, body: parsed as T };
    }
    return {
      ok: false,
      status: response.status,
      headers: responseHeaders,
      body: isProblem(parsed) ? parsed : unexpected(response, text),
    };
  }

  private unreachable(
    error: unknown,
    timedOut: boolean,
    timeoutMs: number,
  ): CoordinatorUnreachableError {
    const message = timedOut
      ? `the coordinator at ${this.baseUrl} did not answer within ${timeoutMs / 1000} s`
      : `cannot reach the coordinator at ${this.baseUrl} (${errorCode(error) || describe(error)})`;
    return new CoordinatorUnreachableError(this.baseUrl, timedOut, message, error);
  }

  private tokenFor(credential: Credential): string | undefined {
    switch (credential) {
      case 'client':
        return this.options.apiKey ?? this.options.adminToken;
      case 'admin':
        return this.options.adminToken;
      case 'none':
        return undefined;
    }
  }
}

function parseJson(text: string, contentType: string | null): unknown {
  if (text === '' || !contentType || !/json/i.test(contentType)) return text === '' ? null : text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isProblem(value: unknown): value is ProblemDetails {
  return typeof value === 'object' && value !== null && 'status' in value && 'code' in value;
}

function unexpected(response: Response, text: string): ProblemDetails {
  const { status, statusText } = response;
  return {
    type: 'about:blank',
    title: statusText || 'Unexpected response',
    status,
    detail: text.trim().slice(0, 500) || `HTTP ${status} ${statusText}`.trim(),
    code: UNEXPECTED_RESPONSE,
  };
}

function transactionPath(id: string): string {
  return `/v1/transactions/${encodeURIComponent(id)}`;
}

/** The socket error code fetch wraps in `cause` (ECONNREFUSED, ENOTFOUND, …), or ''. */
function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

function describe(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
