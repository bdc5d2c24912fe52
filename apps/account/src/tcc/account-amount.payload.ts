import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { MAX_AMOUNT } from '@app/protocol';
import { ACCOUNT_ID } from '../accounts/account-id';

/** Payload of `debit` and `credit`: an account and an integer amount in minor units. */
export class AccountAmountPayload {
  @IsString()
  @Matches(ACCOUNT_ID, { message: 'accountId must be 1-64 characters of A-Z a-z 0-9 . _ : @ -' })
  accountId: string;

  // IsInt rejects strings and fractions; the bounds reject 0, negatives and unsafe integers.
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  amount: number;
}
