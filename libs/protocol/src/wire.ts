import type { BranchStatus, TransactionStatus } from './statuses';

/** Body of every coordinator→participant phase call. */
export interface PhaseCallBody {
  transactionId: string;
  branchId: string;
  payload: Record<string, unknown>;
}

/** Path of a participant's batch endpoint, signed like a single call's `/tcc/{A}/{phase}`. */
export const PHASE_BATCH_PATH = '/tcc/batch';

/** Most items one batch of phase calls may carry. */
export const MAX_BATCH_ITEMS = 100;

/** One phase call inside a batch: what a single call sends in its path, header and body. */
export interface PhaseBatchItem {
  action: string;
  phase: string;
  /** The try's deadline (epoch ms), as `X-TCC-Deadline` carries it on a single call; ignored by confirm and cancel. */
  deadline?: number;
  /**
   * The W3C `traceparent` of the coordinator's call span, as the header
   * carries it on a single call; only sent when the coordinator traces.
   */
  traceparent?: string;
  body: PhaseCallBody;
}

/** Body of `POST /tcc/batch`. */
export interface PhaseBatchRequest {
  items: PhaseBatchItem[];
}

/** The answer to one item: the status and body a single call would have got. */
export interface PhaseBatchResult {
  status: number;
  body: unknown;
}

/** Answer of `POST /tcc/batch` (200): one result per item, in item order. */
export interface PhaseBatchResponse {
  results: PhaseBatchResult[];
}

/** One branch as a client asks for it. */
export interface BranchRequest {
  participant: string;
  action: string;
  payload: Record<string, unknown>;
}

/** Body of `POST /v1/transactions`. */
export interface BeginTransactionRequest {
  branches: BranchRequest[];
  timeoutMs?: number;
  autoCommit?: boolean;
}

/** Body of `POST /v1/participants`. */
export interface RegisterParticipantRequest {
  name: string;
  baseUrl: string;
  actions: string[];
  /** The participant also answers batches of phase calls at `POST /tcc/batch`. */
  batch?: boolean;
}

/** A branch as the coordinator API shows it. */
export interface BranchView {
  id: string;
  participant: string;
  action: string;
  payload: Record<string, unknown>;
  status: BranchStatus;
  attempts: number;
  lastError: string | null;
}

/** One entry of a transaction's event timeline. */
export interface EventView {
  at: string;
  type: string;
  branchId: string | null;
  detail: Record<string, unknown> | null;
}

/** A transaction as `GET /v1/transactions/:id` shows it. */
export interface TransactionView {
  id: string;
  status: TransactionStatus;
  createdAt: string;
  updatedAt: string;
  deadline: string;
  reason: string | null;
  reasonCode: string | null;
  failedBranchId: string | null;
  stuck: boolean;
  resolved: boolean;
  attempts: number;
  /** The name of the API key that started it (`default` for TCC_API_KEY, `admin` for the admin token); null when not recorded. */
  caller: string | null;
  branches: BranchView[];
  events: EventView[];
  /** How many older events were left out of `events`. */
  olderEvents?: number;
}

/** A registered participant as `GET /v1/participants` shows it. */
export interface ParticipantView {
  name: string;
  baseUrl: string;
  actions: string[];
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
}

/** Largest integer amount or quantity the protocol accepts (2^53 − 1). */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
/** Most branches one transaction may have. */
export const MAX_BRANCHES = 50;
/** Smallest `timeoutMs` a request may ask for. */
export const MIN_TIMEOUT_MS = 100;
/** Largest request body any app accepts. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Deepest nesting of objects and arrays any JSON request body may have (a branch payload allows 8 of them). */
export const MAX_JSON_DEPTH = 32;
