import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { defineAction, refuse, runSql } from '@app/participant';
import { MAX_AMOUNT } from '@app/protocol';
import { PayloadFaults } from './faults';

/** Payload of `pay`: take `amount` from `wallet`; `faults` tells the participant to misbehave on this branch. */
export class PayPayload {
  @IsString() @Matches(/^[A-Za-z0-9._:-]{1,64}$/) wallet: string;
  @IsInt() @Min(1) @Max(MAX_AMOUNT) amount: number;
  @IsOptional() @ValidateNested() @Type(() => PayloadFaults) faults?: PayloadFaults;
}

/**
 * `pay`: try moves the amount from available to held and records the hold;
 * confirm uses it; cancel gives it back. Confirm and cancel act on the hold
 * row (`WHERE state = 'HELD'`), never on the payload sent again.
 */
export const payAction = defineAction({
  name: 'pay',
  payload: PayPayload,

  async try({ manager, payload, transactionId, branchId }) {
    const taken = await runSql(
      manager,
      `UPDATE wallets SET available = available - $2, held = held + $2
       WHERE id = $1 AND available >= $2`,
      [payload.wallet, payload.amount],
    );
    if (taken.rowCount === 0) {
      refuse('INSUFFICIENT_FUNDS', `Wallet ${payload.wallet} cannot pay ${payload.amount}.`);
    }
    await runSql(
      manager,
      `INSERT INTO wallet_holds (transaction_id, branch_id, wallet_id, amount, state)
       VALUES ($1, $2, $3, $4, 'HELD')`,
      [transactionId, branchId, payload.wallet, payload.amount],
    );
  },

  async confirm({ manager, transactionId, branchId }) {
    await runSql(
      manager,
      `WITH hold AS (
         UPDATE wallet_holds SET state = 'CONFIRMED'
         WHERE transaction_id = $1 AND branch_id = $2 AND state = 'HELD'
         RETURNING wallet_id, amount)
       UPDATE wallets w SET held = w.held - hold.amount, used = w.used + hold.amount
       FROM hold WHERE w.id = hold.wallet_id`,
      [transactionId, branchId],
    );
  },

  async cancel({ manager, transactionId, branchId }) {
    await runSql(
      manager,
      `WITH hold AS (
         UPDATE wallet_holds SET state = 'CANCELLED'
         WHERE transaction_id = $1 AND branch_id = $2 AND state = 'HELD'
         RETURNING wallet_id, amount)
       UPDATE wallets w SET held = w.held - hold.amount, available = w.available + hold.amount
       FROM hold WHERE w.id = hold.wallet_id`,
      [transactionId, branchId],
    );
  },
});
