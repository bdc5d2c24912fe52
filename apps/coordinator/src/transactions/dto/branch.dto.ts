import { IsString, Matches } from 'class-validator';
import type { BranchRequest } from '@app/protocol';
import { NAME_PATTERN } from '../../participants/names';
import { IsPayloadObject } from './json-object.validator';

/** One branch: which participant runs which action with which payload. */
export class BranchDto implements BranchRequest {
  @IsString()
  @Matches(NAME_PATTERN, { message: 'participant must match ^[a-z][a-z0-9-]{0,62}$' })
  participant: string;

  @IsString()
  @Matches(NAME_PATTERN, { message: 'action must match ^[a-z][a-z0-9-]{0,62}$' })
  action: string;

  @IsPayloadObject()
  payload: Record<string, unknown>;
}
