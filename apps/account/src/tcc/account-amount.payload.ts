import { IsString, Matches } from 'class-validator';
import { IsIntegerBetween } from '@app/http';
import { MAX_AMOUNT } from '@app/protocol';
import { ACCOUNT_ID } from '../accounts/account-id';

/** Payload of `debit` and `credit`: an account and an integer amount in minor units. */
export class AccountAmountPayload {
  @IsString()
  @Matches(ACCOUNT_ID, { message: 'accountId must be 1-64 characters of A-Z a-z 0-9 . _ : @ -' })
  accountId: string;

  // Rejects strings, fractions, 0, negatives and unsafe integers.
  @IsIntegerBetween(1, MAX_AMOUNT)
  amount: number;
}
