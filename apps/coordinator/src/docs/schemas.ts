import { ApiProperty } from '@nestjs/swagger';
import { PARTICIPANT_VIEW, ParticipantView } from '@app/protocol';
import { wireRef } from './wire-components';

// The shapes of the coordinator's own answers (statistics, health), which are
// no part of the wire contract of @app/protocol; the wire answers' schemas
// come from there (wire-components.ts).

const AT = '2026-01-15T10:30:00.000Z';

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

  @ApiProperty({ type: 'array', items: wireRef(PARTICIPANT_VIEW) })
  participants: ParticipantView[];
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
