import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BranchStatus, TransactionStatus } from '@app/protocol';

// Response shapes for the OpenAPI document only. The wire types are the
// interfaces of @app/protocol; these classes mirror them because the
// document generator reads decorators, which interfaces cannot carry.

const TX_ID = '3f1c1a52-8a0e-4e4b-9a53-2d3f1f0e9b11';
const BRANCH_ID = '9b2d7c41-0b6a-4d0e-8f3e-5a1c2b3d4e5f';
const AT = '2026-01-15T10:30:00.000Z';

/** An RFC 9457 problem with the project's stable `code`. */
export class ProblemDoc {
  @ApiProperty({ example: 'urn:tcc:problem:not-all-tried' })
  type: string;

  @ApiProperty({ example: 'Conflict' })
  title: string;

  @ApiProperty({ example: 409 })
  status: number;

  @ApiProperty({ example: 'Branch 9b2d7c41-… has not been tried successfully.' })
  detail: string;

  @ApiProperty({
    example: 'NOT_ALL_TRIED',
    description:
      'Stable code: VALIDATION_FAILED, MALFORMED_JSON, PAYLOAD_TOO_LARGE, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, ' +
      'UNKNOWN_PARTICIPANT, UNKNOWN_ACTION, TRY_REFUSED, TRY_OUTCOME_UNKNOWN, NOT_TRYING, NOT_ALL_TRIED, ' +
      'ALREADY_DECIDED, ALREADY_FINISHED, IDEMPOTENCY_KEY_REUSED, CONFLICT, …',
  })
  code: string;

  @ApiPropertyOptional({
    description: 'Validation failures, one entry per field.',
    example: [{ field: 'branches.0.payload', messages: ['payload must be a JSON object'] }],
  })
  errors?: { field: string; messages: string[] }[];
}

/** A branch as the API shows it. */
export class BranchViewDoc {
  @ApiProperty({ format: 'uuid', example: BRANCH_ID })
  id: string;

  @ApiProperty({ example: 'account' })
  participant: string;

  @ApiProperty({ example: 'debit' })
  action: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { accountId: 'alice', amount: 2500 },
  })
  payload: Record<string, unknown>;

  @ApiProperty({ enum: BranchStatus, example: BranchStatus.Confirmed })
  status: BranchStatus;

  @ApiProperty({ example: 1, description: 'Phase calls made for this branch.' })
  attempts: number;

  @ApiProperty({ type: String, nullable: true, example: null })
  lastError: string | null;
}

/** One entry of a transaction's timeline. */
export class EventViewDoc {
  @ApiProperty({ example: AT })
  at: string;

  @ApiProperty({ example: 'TRY_OK' })
  type: string;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', example: BRANCH_ID })
  branchId: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: null })
  detail: Record<string, unknown> | null;
}

/** A transaction as the list shows it (no events). */
export class TransactionSummaryDoc {
  @ApiProperty({ format: 'uuid', example: TX_ID })
  id: string;

  @ApiProperty({ enum: TransactionStatus, example: TransactionStatus.Confirmed })
  status: TransactionStatus;

  @ApiProperty({ example: AT })
  createdAt: string;

  @ApiProperty({ example: AT })
  updatedAt: string;

  @ApiProperty({ example: AT, description: 'End of the try phase.' })
  deadline: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why it was cancelled, naming the refusing branch.',
  })
  reason: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  reasonCode: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', example: null })
  failedBranchId: string | null;

  @ApiProperty({ example: false, description: 'Phase 2 keeps failing; a person should look.' })
  stuck: boolean;

  @ApiProperty({ example: false, description: 'Settled by hand; no participant is called again.' })
  resolved: boolean;

  @ApiProperty({ example: 0 })
  attempts: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'checkout',
    description:
      'The name of the API key that started it: `default` for TCC_API_KEY, a name of TCC_API_KEYS, or `admin` for the admin token.',
  })
  caller: string | null;

  @ApiProperty({ type: [BranchViewDoc] })
  branches: BranchViewDoc[];
}

/** `GET /v1/transactions/:id`. */
export class TransactionViewDoc extends TransactionSummaryDoc {
  @ApiProperty({ type: [EventViewDoc], description: 'The latest 200 events, oldest first.' })
  events: EventViewDoc[];

  @ApiPropertyOptional({ example: 0, description: 'Older events left out of `events`.' })
  olderEvents?: number;
}

/** One page of `GET /v1/transactions`. */
export class TransactionPageDoc {
  @ApiProperty({ type: [TransactionSummaryDoc] })
  items: TransactionSummaryDoc[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Opaque; null on the last page.',
  })
  nextCursor: string | null;
}

/** A registered participant. */
export class ParticipantViewDoc {
  @ApiProperty({ example: 'account' })
  name: string;

  @ApiProperty({ example: 'http://127.0.0.1:3002' })
  baseUrl: string;

  @ApiProperty({ type: [String], example: ['debit', 'credit'] })
  actions: string[];

  @ApiProperty({ type: String, nullable: true, example: AT })
  lastSuccessAt: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  lastErrorAt: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  lastError: string | null;
}

/** `GET /v1/participants`. */
export class ParticipantListDoc {
  @ApiProperty({ type: [ParticipantViewDoc] })
  items: ParticipantViewDoc[];
}

/** Transactions by status. */
export class StatusCountsDoc {
  @ApiProperty({ example: 0 })
  TRYING: number;

  @ApiProperty({ example: 1 })
  CONFIRMING: number;

  @ApiProperty({ example: 120 })
  CONFIRMED: number;

  @ApiProperty({ example: 0 })
  CANCELLING: number;

  @ApiProperty({ example: 14 })
  CANCELLED: number;
}

/** Transactions that finished in one bucket. */
export class OutcomeBucketDoc {
  @ApiProperty({ example: AT, description: 'Start of the bucket.' })
  at: string;

  @ApiProperty({ example: 9 })
  confirmed: number;

  @ApiProperty({ example: 1 })
  cancelled: number;
}

/** The last hour in five-minute buckets. */
export class LastHourDoc {
  @ApiProperty({ example: 5 })
  bucketMinutes: number;

  @ApiProperty({ type: [OutcomeBucketDoc], description: 'Twelve buckets, oldest first.' })
  buckets: OutcomeBucketDoc[];
}

/** `GET /v1/admin/stats`. */
export class AdminStatsDoc {
  @ApiProperty({ type: StatusCountsDoc })
  byStatus: StatusCountsDoc;

  @ApiProperty({ example: 1, description: 'Stuck transactions nobody resolved yet.' })
  stuck: number;

  @ApiProperty({ type: LastHourDoc })
  lastHour: LastHourDoc;

  @ApiProperty({ type: [ParticipantViewDoc] })
  participants: ParticipantViewDoc[];
}

/** `GET /health`. */
export class HealthDoc {
  @ApiProperty({ enum: ['ok', 'error'], example: 'ok' })
  status: string;

  @ApiProperty({ enum: ['up', 'down'], example: 'up' })
  database: string;
}

/** `GET /health/ready`. */
export class ReadinessDoc extends HealthDoc {
  @ApiProperty({ enum: ['up', 'down'], example: 'up' })
  recovery: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: AT,
    description: 'When the last recovery pass ended.',
  })
  recoveryLastRunAt: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      "Why the coordinator is not ready (the log's database unreachable, and since when; the recovery loop stalled); null when it is.",
  })
  reason: string | null;
}
