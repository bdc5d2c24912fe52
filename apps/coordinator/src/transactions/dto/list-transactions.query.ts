import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { TransactionStatus } from '@app/protocol';
import { NAME_PATTERN } from '../../participants/names';

/** Query of `GET /v1/transactions`. */
export class ListTransactionsQuery {
  @IsOptional()
  @IsEnum(TransactionStatus)
  status?: TransactionStatus;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'stuck must be true or false' })
  stuck?: boolean;

  @IsOptional()
  @IsString()
  @Matches(NAME_PATTERN, { message: 'participant must match ^[a-z][a-z0-9-]{0,62}$' })
  participant?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
