import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  Min,
  ValidateNested,
} from 'class-validator';
import { BeginTransactionRequest, MAX_BRANCHES, MIN_TIMEOUT_MS } from '@app/protocol';
import { BranchDto } from './branch.dto';

/** Body of `POST /v1/transactions`; the upper bound of `timeoutMs` is configuration, checked by the use case. */
export class BeginTransactionDto implements BeginTransactionRequest {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_BRANCHES)
  @ValidateNested({ each: true })
  @Type(() => BranchDto)
  branches: BranchDto[] = [];

  @IsOptional()
  @IsInt()
  @Min(MIN_TIMEOUT_MS)
  timeoutMs?: number;

  @IsOptional()
  @IsBoolean()
  autoCommit?: boolean;
}
