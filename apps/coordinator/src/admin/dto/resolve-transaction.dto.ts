import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsStorableText } from '../../transactions/dto/json-object.validator';

/** Body of `POST /v1/admin/transactions/:id/resolve`. */
export class ResolveTransactionDto {
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  @IsStorableText()
  note: string;
}
