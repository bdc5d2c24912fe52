import type { ObjectSchema, WireType } from './wire-schema';

/** Stable error codes carried in the `code` member of every problem+json answer. */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  MalformedJson: 'MALFORMED_JSON',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  UnknownParticipant: 'UNKNOWN_PARTICIPANT',
  UnknownAction: 'UNKNOWN_ACTION',
  TryRefused: 'TRY_REFUSED',
  TryOutcomeUnknown: 'TRY_OUTCOME_UNKNOWN',
  NotTrying: 'NOT_TRYING',
  NotAllTried: 'NOT_ALL_TRIED',
  AlreadyDecided: 'ALREADY_DECIDED',
  AlreadyFinished: 'ALREADY_FINISHED',
  NotDecided: 'NOT_DECIDED',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  TransactionPurged: 'TRANSACTION_PURGED',
  Conflict: 'CONFLICT',
  AlreadyExists: 'ALREADY_EXISTS',
  InsufficientStock: 'INSUFFICIENT_STOCK',
  InsufficientFunds: 'INSUFFICIENT_FUNDS',
  TryCancelled: 'TRY_CANCELLED',
  DeadlinePassed: 'DEADLINE_PASSED',
  NoSuccessfulTry: 'NO_SUCCESSFUL_TRY',
  AlreadyConfirmed: 'ALREADY_CONFIRMED',
  RebalanceRunning: 'REBALANCE_RUNNING',
  BadSignature: 'BAD_SIGNATURE',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  HeadersTooLarge: 'HEADERS_TOO_LARGE',
  MalformedRequest: 'MALFORMED_REQUEST',
  RequestTimeout: 'REQUEST_TIMEOUT',
  LogUnavailable: 'LOG_UNAVAILABLE',
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The status of a participant's refusal of a phase, whatever its code: final,
 * never retried (docs/protocol.md).
 */
export const REFUSAL_STATUS = 409;

/**
 * The HTTP status of every error code: the one place a status is chosen
 * (docs/protocol.md). A code missing here does not compile.
 */
export const HTTP_STATUS_OF: { readonly [code in ErrorCode]: number } = {
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.MalformedJson]: 400,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.UnknownParticipant]: 422,
  [ErrorCode.UnknownAction]: 422,
  [ErrorCode.TryRefused]: 409,
  // The participant did not answer the try in time: the coordinator's upstream failed.
  [ErrorCode.TryOutcomeUnknown]: 502,
  [ErrorCode.NotTrying]: 409,
  [ErrorCode.NotAllTried]: 409,
  [ErrorCode.AlreadyDecided]: 409,
  [ErrorCode.AlreadyFinished]: 409,
  [ErrorCode.NotDecided]: 409,
  [ErrorCode.IdempotencyKeyReused]: 422,
  // The key's transaction existed and was deleted by retention: gone, not unknown.
  [ErrorCode.TransactionPurged]: 410,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.AlreadyExists]: 409,
  [ErrorCode.InsufficientStock]: REFUSAL_STATUS,
  [ErrorCode.InsufficientFunds]: REFUSAL_STATUS,
  [ErrorCode.TryCancelled]: REFUSAL_STATUS,
  [ErrorCode.DeadlinePassed]: 409,
  [ErrorCode.NoSuccessfulTry]: REFUSAL_STATUS,
  [ErrorCode.AlreadyConfirmed]: REFUSAL_STATUS,
  [ErrorCode.RebalanceRunning]: 409,
  [ErrorCode.BadSignature]: 401,
  [ErrorCode.TooManyRequests]: 429,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.HeadersTooLarge]: 431,
  [ErrorCode.MalformedRequest]: 400,
  [ErrorCode.RequestTimeout]: 408,
  [ErrorCode.LogUnavailable]: 503,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Internal]: 500,
};

/** RFC 9457 problem details with the project's `code` extension. */
export const PROBLEM_DETAILS = {
  type: 'object',
  properties: {
    type: { type: 'string', example: 'urn:tcc:problem:not-all-tried' },
    title: { type: 'string', example: 'Conflict' },
    status: { type: 'number', example: 409 },
    detail: { type: 'string', example: 'Branch 9b2d7c41-… has not been tried successfully.' },
    code: {
      type: 'string',
      example: ErrorCode.NotAllTried,
      description: `Stable code: ${Object.values(ErrorCode).join(', ')}, or a participant's own refusal code.`,
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          messages: { type: 'array', items: { type: 'string' } },
        },
      },
      description: 'Validation failures, one entry per field.',
      example: [{ field: 'branches.0.payload', messages: ['payload must be a JSON object'] }],
    },
  },
  optional: ['errors'],
} as const satisfies ObjectSchema;

/** RFC 9457 problem details with the project's `code` extension, and whatever members a code adds. */
export type ProblemDetails = WireType<typeof PROBLEM_DETAILS> & { [extension: string]: unknown };

/**
 * A domain error: thrown anywhere, turned into problem+json in one place
 * (the global filter of `@app/http`), with the status its code has in
 * {@link HTTP_STATUS_OF}. Codes, not classes, cross processes.
 */
export class TccError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'TccError';
  }
}

/**
 * A participant's business refusal of a try (insufficient stock, unknown
 * account, ...) under a code of the participant's choosing: the barrier keeps
 * it as the try's outcome, and it is answered {@link REFUSAL_STATUS}.
 */
export class BusinessRefusal extends Error {
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'BusinessRefusal';
  }
}
