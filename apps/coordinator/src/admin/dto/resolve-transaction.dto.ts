import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /v1/admin/transactions/:id/resolve`. */
export class ResolveTransactionDto {
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  @Matches(/^[^\u0000]*$/, { message: 'note must not contain NUL characters' })
  note: string;
}
