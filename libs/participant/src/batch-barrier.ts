import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '@app/database/transaction';
import type { BatchedTry, TryVerdict } from './action';
import { BarrierAnswer, isLate, lateRefusal, repeatedTryAnswer } from './barrier';
import {
  BarrierKey,
  TryClaim,
  insertTriesStatement,
  insertedKeys,
  keyText,
  readTries,
  recordTryOutcomes,
} from './barrier.repository';

/** One try waiting for its batch. */
export interface QueuedTry<P> {
  key: BarrierKey;
  payload: P;
  /** X-TCC-Deadline in epoch ms, or null. */
  deadlineMs: number | null;
}

/** How one try of a batch ended: a barrier answer, or a failure of that try alone (HTTP 500). */
export type BatchAnswer = BarrierAnswer | { kind: 'failed'; message: string };

/** The business code of a batch: answers the fresh tries, in the order given. */
export type BatchBusiness<P> = (
  manager: EntityManager,
  tries: BatchedTry<P>[],
) => Promise<TryVerdict[]>;

const failed = (message: string): BatchAnswer => ({ kind: 'failed', message });

/** What a duplicate of a branch in the same batch answers: its first occurrence's answer, as a repeat. */
function asRepeat(answer: BatchAnswer): BatchAnswer {
  return answer.kind === 'done' ? { ...answer, repeated: true } : answer;
}

/**
 * The try barrier of a whole batch, in one local transaction (READ
 * COMMITTED), answering every try exactly as {@link runTry} would have
 * answered it alone:
 *
 * - one INSERT … ON CONFLICT DO NOTHING claims the try rows of every
 *   branch; a late try's row is stored 'refused' right away;
 * - a branch whose row was already there answers its stored outcome (or is
 *   refused when it was cancelled first), read in one statement;
 * - the remaining, fresh tries go to the business code together, which
 *   answers each; the outcomes are stored in one statement;
 * - a branch sent twice in one batch answers both calls with the first
 *   one's outcome, as a repeat does.
 *
 * Nothing here throws for one try's sake, so one bad try never rolls back
 * the others; a try row without an outcome (a bug) fails only its own call.
 * The deadline is checked at `nowMs`, when the batch runs, after the queue.
 */
export function runTryBatch<P>(
  dataSource: DataSource,
  tries: readonly QueuedTry<P>[],
  nowMs: number,
  business: BatchBusiness<P>,
): Promise<BatchAnswer[]> {
  const leaderOf = new Map<string, number>();
  tries.forEach((entry, index) => {
    if (!leaderOf.has(keyText(entry.key))) leaderOf.set(keyText(entry.key), index);
  });
  // Sorted by key, so two batches that share branches lock their rows in the same order.
  const claims = [...leaderOf.values()]
    .map((index) => ({ index, ...claimOf(tries[index], nowMs) }))
    .sort((a, b) => compare(keyText(a.claim.key), keyText(b.claim.key)));
  const opening = [insertTriesStatement(claims.map((c) => c.claim))];
  return inTransaction(dataSource, opening, async (manager, [claimed]) => {
    const answers = new Array<BatchAnswer>(tries.length);
    const inserted = insertedKeys(claimed.rows);

    const existing: number[] = [];
    const fresh: number[] = [];
    for (const { index, claim, late } of claims) {
      if (!inserted.has(keyText(claim.key))) existing.push(index);
      else if (late) answers[index] = { kind: 'refused', ...late };
      else fresh.push(index);
    }

    if (existing.length > 0) {
      // The conflicting inserts waited for those rows' writers to commit, so this read sees them.
      const stored = new Map(
        (
          await readTries(
            manager,
            existing.map((index) => tries[index].key),
          )
        ).map((row) => [keyText(row.key), row]),
      );
      for (const index of existing) {
        const row = stored.get(keyText(tries[index].key));
        answers[index] = row
          ? (repeatedTryAnswer(row, row.cancelled) ??
            failed('tcc_barrier: try row committed without an outcome'))
          : failed('tcc_barrier: try row vanished after a conflicting insert');
      }
    }

    if (fresh.length > 0) {
      fresh.sort((a, b) => a - b);
      const verdicts = await business(
        manager,
        fresh.map((index) => ({ payload: tries[index].payload, ...tries[index].key })),
      );
      if (verdicts.length !== fresh.length) {
        throw new Error(`batched try answered ${verdicts.length} of ${fresh.length} tries`);
      }
      await recordTryOutcomes(
        manager,
        fresh.map((index, n) => {
          const verdict = verdicts[n];
          answers[index] = verdict.ok
            ? { kind: 'done', outcome: 'ok', repeated: false }
            : { kind: 'refused', code: verdict.code, detail: verdict.detail };
          return verdict.ok
            ? { key: tries[index].key, outcome: 'ok', detail: null }
            : {
                key: tries[index].key,
                outcome: 'refused',
                detail: { code: verdict.code, detail: verdict.detail },
              };
        }),
      );
    }

    tries.forEach((entry, index) => {
      const leader = leaderOf.get(keyText(entry.key)) ?? index;
      if (leader !== index) answers[index] = asRepeat(answers[leader]);
    });
    return answers;
  });
}

/** The try row to claim for `entry`, and the refusal it stores when the try is late. */
function claimOf<P>(
  entry: QueuedTry<P>,
  nowMs: number,
): { claim: TryClaim; late: { code: string; detail: string } | null } {
  if (!isLate(entry.deadlineMs, nowMs)) {
    return { claim: { key: entry.key, outcome: null, detail: null }, late: null };
  }
  const late = lateRefusal(entry.deadlineMs);
  return { claim: { key: entry.key, outcome: 'refused', detail: late }, late };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
