import { IsString, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /v1/admin/transactions/:id/resolve`. */
export class ResolveTransactionDto {
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  note: string;
}
