import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { IsIntegerBetween } from '@app/http';
import { TransactionStatus } from '@app/protocol';
import { NAME_PATTERN } from '../../participants/names';

/** Query of `GET /v1/transactions`. */
export class ListTransactionsQuery {
  @ApiPropertyOptional({ enum: TransactionStatus })
  @IsOptional()
  @IsEnum(TransactionStatus)
  status?: TransactionStatus;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: only stuck transactions nobody resolved.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'stuck must be true or false' })
  stuck?: boolean;

  @ApiPropertyOptional({ description: 'Only transactions with a branch of this participant.' })
  @IsOptional()
  @IsString()
  @Matches(NAME_PATTERN, { message: 'participant must match ^[a-z][a-z0-9-]{0,62}$' })
  participant?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsIntegerBetween(1, 100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  /** Created at or after this time (ISO 8601). */
  @ApiPropertyOptional({ example: '2026-01-15T10:00:00Z', description: 'createdAt ≥ from.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  /** Created at or before this time (ISO 8601). */
  @ApiPropertyOptional({ example: '2026-01-15T11:00:00Z', description: 'createdAt ≤ to.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;

  /** The start of a transaction id (the whole id included), or exactly an idempotency key. */
  @ApiPropertyOptional({
    description:
      'The start of a transaction id, such as the 8 characters the admin UI shows (or the whole id), or exactly an idempotency key.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,255}$/, {
    message:
      'q must be the start of a transaction id or an idempotency key (1 to 255 visible ASCII characters)',
  })
  q?: string;
}
