import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { BeginTransactionRequest, MAX_BRANCHES, MIN_TIMEOUT_MS } from '@app/protocol';
import { BranchDto } from './branch.dto';

/** Body of `POST /v1/transactions`; the upper bound of `timeoutMs` is configuration, checked by the use case. */
export class BeginTransactionDto implements BeginTransactionRequest {
  @ApiPropertyOptional({
    type: [BranchDto],
    maxItems: MAX_BRANCHES,
    description: 'Tried in parallel; required (non-empty) with autoCommit.',
  })
  // Absent means none; null is not absent (IsOptional would let it through to the use case, a 500).
  @ValidateIf((_dto, value) => value !== undefined)
  @IsArray()
  @ArrayMaxSize(MAX_BRANCHES)
  @ValidateNested({ each: true })
  @Type(() => BranchDto)
  branches: BranchDto[] = [];

  @ApiPropertyOptional({
    minimum: MIN_TIMEOUT_MS,
    example: 10000,
    description:
      'Try-phase deadline in ms, up to TCC_MAX_TIMEOUT_MS (default TCC_DEFAULT_TIMEOUT_MS).',
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_TIMEOUT_MS)
  timeoutMs?: number;

  @ApiPropertyOptional({
    default: true,
    description: 'false: answer 201 TRYING and let the client add branches and decide.',
  })
  @IsOptional()
  @IsBoolean()
  autoCommit?: boolean;
}
