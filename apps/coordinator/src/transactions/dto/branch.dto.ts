import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import type { BranchRequest } from '@app/protocol';
import { NAME_PATTERN } from '../../participants/names';
import { IsPayloadObject } from './json-object.validator';

/** One branch: which participant runs which action with which payload. */
export class BranchDto implements BranchRequest {
  @ApiProperty({ pattern: NAME_PATTERN.source, example: 'account' })
  @IsString()
  @Matches(NAME_PATTERN, { message: 'participant must match ^[a-z][a-z0-9-]{0,62}$' })
  participant: string;

  @ApiProperty({ pattern: NAME_PATTERN.source, example: 'debit' })
  @IsString()
  @Matches(NAME_PATTERN, { message: 'action must match ^[a-z][a-z0-9-]{0,62}$' })
  action: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'A JSON object the participant validates (400 from it cancels the transaction).',
    example: { accountId: 'alice', amount: 2500 },
  })
  @IsPayloadObject()
  payload: Record<string, unknown>;
}
