import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import type { EntityManager } from 'typeorm';
import { defineAction, refuse } from '@tcc-coordinator/participant';

/** What a purchase awards: points for one member. */
export class AwardPayload {
  @IsString() @Matches(/^[\w.-]{1,64}$/) memberId: string;
  @IsInt() @Min(1) @Max(1_000_000) points: number;
}

/** Moves an award from PENDING to `state` and settles the member's pending points; 0 rows when already settled. */
async function settle(
  manager: EntityManager,
  transactionId: string,
  branchId: string,
  state: 'GRANTED' | 'DROPPED',
): Promise<void> {
  const granted = state === 'GRANTED' ? 'a.points' : '0';
  await manager.query(
    `WITH a AS (
       UPDATE awards SET state = $3
       WHERE transaction_id = $1 AND branch_id = $2 AND state = 'PENDING'
       RETURNING member_id, points
     )
     UPDATE members m SET pending = m.pending - a.points, points = m.points + ${granted}
     FROM a WHERE m.id = a.member_id`,
    [transactionId, branchId, state],
  );
}

/**
 * `award`: the try promises the points (pending, not yet spendable), confirm
 * grants them, cancel drops them. Confirm and cancel act on the award row the
 * try wrote, never on the payload sent again.
 */
export const awardAction = defineAction({
  name: 'award',
  payload: AwardPayload,
  async try({ manager, payload, transactionId, branchId }) {
    const rows: unknown[] = await manager.query(
      `WITH m AS (UPDATE members SET pending = pending + $4 WHERE id = $3 RETURNING id)
       INSERT INTO awards (transaction_id, branch_id, member_id, points, state)
       SELECT $1, $2, m.id, $4, 'PENDING' FROM m
       RETURNING 1`,
      [transactionId, branchId, payload.memberId, payload.points],
    );
    if (rows.length === 0) refuse('UNKNOWN_MEMBER', `No member ${payload.memberId}.`);
  },
  confirm: ({ manager, transactionId, branchId }) =>
    settle(manager, transactionId, branchId, 'GRANTED'),
  cancel: ({ manager, transactionId, branchId }) =>
    settle(manager, transactionId, branchId, 'DROPPED'),
});
