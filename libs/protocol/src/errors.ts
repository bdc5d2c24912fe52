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
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  Conflict: 'CONFLICT',
  AlreadyExists: 'ALREADY_EXISTS',
  InsufficientStock: 'INSUFFICIENT_STOCK',
  InsufficientFunds: 'INSUFFICIENT_FUNDS',
  TryCancelled: 'TRY_CANCELLED',
  DeadlinePassed: 'DEADLINE_PASSED',
  NoSuccessfulTry: 'NO_SUCCESSFUL_TRY',
  AlreadyConfirmed: 'ALREADY_CONFIRMED',
  BadSignature: 'BAD_SIGNATURE',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  HeadersTooLarge: 'HEADERS_TOO_LARGE',
  MalformedRequest: 'MALFORMED_REQUEST',
  RequestTimeout: 'REQUEST_TIMEOUT',
  LogUnavailable: 'LOG_UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** RFC 9457 problem details with the project's `code` extension. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; messages: string[] }[];
  [extension: string]: unknown;
}

/**
 * A domain error: thrown anywhere, turned into problem+json in one place
 * (the global filter of `@app/http`). Codes, not classes, cross processes.
 */
export class TccError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'TccError';
  }
}
