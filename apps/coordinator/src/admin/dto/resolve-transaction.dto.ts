import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsStorableText } from '../../transactions/dto/json-object.validator';

/** Body of `POST /v1/admin/transactions/:id/resolve`. */
export class ResolveTransactionDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 2000,
    example: 'Credited bob by hand in the ledger (ticket OPS-123); debit hold released.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  @IsStorableText()
  note: string;
}
