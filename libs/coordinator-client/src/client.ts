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
  /** Abort a request after this long; default 10 s. */
  timeoutMs?: number;
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

/** One page of `GET /v1/transactions`. */
export interface TransactionPage {
  items: TransactionView[];
  nextCursor: string | null;
}

/** Code of the problem synthesised when the coordinator's error body is not problem+json. */
export const UNEXPECTED_RESPONSE = 'UNEXPECTED_RESPONSE';

/** Path the participant registration is signed over (DESIGN.md §3). */
export const PARTICIPANTS_PATH = '/v1/participants';

type Credential = 'client' | 'admin' | 'none';

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
    return this.send('POST', PARTICIPANTS_PATH, 'client', body, options, {
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signature,
    });
  }

  /** `GET /v1/participants`. */
  listParticipants(options: CallOptions = {}): Promise<ApiResponse<{ items: ParticipantView[] }>> {
    return this.send('GET', PARTICIPANTS_PATH, 'client', undefined, options);
  }

  /** `POST /v1/transactions`: starts a transaction (and, with autoCommit, runs it to its outcome). */
  beginTransaction(
    request: BeginTransactionRequest,
    options: CallOptions = {},
  ): Promise<ApiResponse<TransactionView>> {
    return this.send('POST', '/v1/transactions', 'client', JSON.stringify(request), options);
  }

  /** `GET /v1/transactions/:id`. */
  getTransaction(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    return this.send(
      'GET',
      `/v1/transactions/${encodeURIComponent(id)}`,
      'client',
      undefined,
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
    return this.send('GET', `/v1/transactions${search}`, 'client', undefined, options);
  }

  /** `POST /v1/transactions/:id/branches`: tries one more branch of a TRYING transaction. */
  addBranch(
    id: string,
    branch: BranchRequest,
    options: CallOptions = {},
  ): Promise<ApiResponse<BranchView>> {
    return this.send(
      'POST',
      `/v1/transactions/${encodeURIComponent(id)}/branches`,
      'client',
      JSON.stringify(branch),
      options,
    );
  }

  /** `POST /v1/transactions/:id/confirm`. */
  confirm(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    return this.send(
      'POST',
      `/v1/transactions/${encodeURIComponent(id)}/confirm`,
      'client',
      undefined,
      options,
    );
  }

  /** `POST /v1/transactions/:id/cancel`. */
  cancel(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    return this.send(
      'POST',
      `/v1/transactions/${encodeURIComponent(id)}/cancel`,
      'client',
      undefined,
      options,
    );
  }

  /** `POST /v1/admin/transactions/:id/retry` (admin token): runs phase 2 now. */
  retry(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    return this.send(
      'POST',
      `/v1/admin/transactions/${encodeURIComponent(id)}/retry`,
      'admin',
      undefined,
      options,
    );
  }

  /** `POST /v1/admin/transactions/:id/cancel` (admin token): cancels a TRYING transaction. */
  adminCancel(id: string, options: CallOptions = {}): Promise<ApiResponse<TransactionView>> {
    return this.send(
      'POST',
      `/v1/admin/transactions/${encodeURIComponent(id)}/cancel`,
      'admin',
      undefined,
      options,
    );
  }

  /** `POST /v1/admin/transactions/:id/resolve` (admin token): a person settled it by hand. */
  resolve(
    id: string,
    note: string,
    options: CallOptions = {},
  ): Promise<ApiResponse<TransactionView>> {
    return this.send(
      'POST',
      `/v1/admin/transactions/${encodeURIComponent(id)}/resolve`,
      'admin',
      JSON.stringify({ note }),
      options,
    );
  }

  /** `GET /health`, without credentials. */
  health(options: CallOptions = {}): Promise<ApiResponse<Record<string, unknown>>> {
    return this.send('GET', '/health', 'none', undefined, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    path: string,
    credential: Credential,
    body: string | undefined,
    options: CallOptions,
    extraHeaders: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = this.tokenFor(credential);
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.idempotencyKey) headers[IDEMPOTENCY_KEY_HEADER] = options.idempotencyKey;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body,
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
    const text = await response.text();
    const responseHeaders = Object.fromEntries(response.headers.entries());
    const parsed = parseJson(text, response.headers.get('content-type'));
    if (response.ok) {
      return { ok: true, status: response.status, headers: responseHeaders, body: parsed as T };
    }
    return {
      ok: false,
      status: response.status,
      headers: responseHeaders,
      body: isProblem(parsed) ? parsed : unexpected(response.status, text),
    };
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

function unexpected(status: number, text: string): ProblemDetails {
  return {
    type: 'about:blank',
    title: 'Unexpected response',
    status,
    detail: text.slice(0, 500) || `HTTP ${status} without a body`,
    code: UNEXPECTED_RESPONSE,
  };
}
