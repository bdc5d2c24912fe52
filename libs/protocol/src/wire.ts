import { BranchStatus, TransactionStatus } from './statuses';
import type { ObjectSchema, WireType } from './wire-schema';

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

const TRANSACTION_ID = '3f1c1a52-8a0e-4e4b-9a53-2d3f1f0e9b11';
const BRANCH_ID = '9b2d7c41-0b6a-4d0e-8f3e-5a1c2b3d4e5f';
const AT = '2026-01-15T10:30:00.000Z';

/** A branch as the coordinator API shows it. */
export const BRANCH_VIEW = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid', example: BRANCH_ID },
    participant: { type: 'string', example: 'account' },
    action: { type: 'string', example: 'debit' },
    payload: {
      type: 'object',
      additionalProperties: true,
      example: { accountId: 'alice', amount: 2500 },
    },
    status: { type: 'string', enum: Object.values(BranchStatus), example: BranchStatus.Confirmed },
    attempts: { type: 'number', example: 1, description: 'Phase calls made for this branch.' },
    lastError: { type: 'string', nullable: true, example: null },
  },
} as const satisfies ObjectSchema;

/** A branch as the coordinator API shows it. */
export type BranchView = WireType<typeof BRANCH_VIEW>;

/** One entry of a transaction's event timeline. */
export const EVENT_VIEW = {
  type: 'object',
  properties: {
    at: { type: 'string', example: AT },
    type: { type: 'string', example: 'TRY_OK' },
    branchId: { type: 'string', nullable: true, format: 'uuid', example: BRANCH_ID },
    detail: { type: 'object', additionalProperties: true, nullable: true, example: null },
  },
} as const satisfies ObjectSchema;

/** One entry of a transaction's event timeline. */
export type EventView = WireType<typeof EVENT_VIEW>;

const TRANSACTION_FIELDS = {
  id: { type: 'string', format: 'uuid', example: TRANSACTION_ID },
  status: {
    type: 'string',
    enum: Object.values(TransactionStatus),
    example: TransactionStatus.Confirmed,
  },
  createdAt: { type: 'string', example: AT },
  updatedAt: { type: 'string', example: AT },
  deadline: { type: 'string', example: AT, description: 'End of the try phase.' },
  reason: {
    type: 'string',
    nullable: true,
    example: null,
    description: 'Why it was cancelled, naming the refusing branch.',
  },
  reasonCode: { type: 'string', nullable: true, example: null },
  failedBranchId: { type: 'string', nullable: true, format: 'uuid', example: null },
  stuck: {
    type: 'boolean',
    example: false,
    description: 'Phase 2 keeps failing; a person should look.',
  },
  resolved: {
    type: 'boolean',
    example: false,
    description: 'Settled by hand; no participant is called again.',
  },
  attempts: { type: 'number', example: 0 },
  caller: {
    type: 'string',
    nullable: true,
    example: 'checkout',
    description:
      'The name of the API key that started it: `default` for TCC_API_KEY, a name of TCC_API_KEYS, or `admin` for the admin token.',
  },
  branches: { type: 'array', items: BRANCH_VIEW },
} as const;

/** A transaction as the list shows it: everything but the event timeline. */
export const TRANSACTION_SUMMARY = {
  type: 'object',
  properties: TRANSACTION_FIELDS,
} as const satisfies ObjectSchema;

/** A transaction as the list shows it: everything but the event timeline. */
export type TransactionSummary = WireType<typeof TRANSACTION_SUMMARY>;

/** A transaction as `GET /v1/transactions/:id` shows it. */
export const TRANSACTION_VIEW = {
  type: 'object',
  properties: {
    ...TRANSACTION_FIELDS,
    events: {
      type: 'array',
      items: EVENT_VIEW,
      description: 'The latest 200 events, oldest first.',
    },
    olderEvents: { type: 'number', example: 0, description: 'Older events left out of `events`.' },
  },
  optional: ['olderEvents'],
} as const satisfies ObjectSchema;

/** A transaction as `GET /v1/transactions/:id` shows it. */
export type TransactionView = WireType<typeof TRANSACTION_VIEW>;

/** One page of `GET /v1/transactions`, newest first. */
export const TRANSACTION_PAGE = {
  type: 'object',
  properties: {
    items: { type: 'array', items: TRANSACTION_SUMMARY },
    nextCursor: {
      type: 'string',
      nullable: true,
      example: null,
      description: 'Opaque; null on the last page.',
    },
  },
} as const satisfies ObjectSchema;

/** One page of `GET /v1/transactions`, newest first. */
export type TransactionPage = WireType<typeof TRANSACTION_PAGE>;

/** A registered participant as `GET /v1/participants` shows it. */
export const PARTICIPANT_VIEW = {
  type: 'object',
  properties: {
    name: { type: 'string', example: 'account' },
    baseUrl: { type: 'string', example: 'http://127.0.0.1:3002' },
    actions: { type: 'array', items: { type: 'string' }, example: ['debit', 'credit'] },
    lastSuccessAt: { type: 'string', nullable: true, example: AT },
    lastErrorAt: { type: 'string', nullable: true, example: null },
    lastError: { type: 'string', nullable: true, example: null },
  },
} as const satisfies ObjectSchema;

/** A registered participant as `GET /v1/participants` shows it. */
export type ParticipantView = WireType<typeof PARTICIPANT_VIEW>;

/** `GET /v1/participants`. */
export const PARTICIPANT_LIST = {
  type: 'object',
  properties: { items: { type: 'array', items: PARTICIPANT_VIEW } },
} as const satisfies ObjectSchema;

/** `GET /v1/participants`. */
export type ParticipantList = WireType<typeof PARTICIPANT_LIST>;

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
