import { Matches } from 'class-validator';
import { IsIntegerBetween } from '@app/http';
import { MAX_AMOUNT } from '@app/protocol';
import { ACCOUNT_ID } from './account-id';

/** The `:id` of `/accounts/:id`. */
export class AccountIdParams {
  @Matches(ACCOUNT_ID, { message: 'id must be 1-64 characters of A-Z a-z 0-9 . _ : @ -' })
  id: string;
}

/** Body of `PUT /accounts/:id`: the opening balance in minor units. */
export class OpenAccountBody {
  @IsIntegerBetween(0, MAX_AMOUNT)
  balance: number;
}

/** An account as `GET /accounts/:id` shows it, with the shard that holds it. */
export interface AccountView {
  id: string;
  balance: number;
  frozen: number;
  incoming: number;
  shard: string;
}
