import type { DataSource } from 'typeorm';
import { inTransaction, runTogether } from '@app/database/transaction';
import type { BarrierAnswer, PhaseRun } from './barrier';
import type { BatchAnswer } from './batch-barrier';

/**
 * Most phases one local transaction takes. Each phase of a group opens a
 * savepoint and a try another one inside it; PostgreSQL keeps the first 64
 * subtransactions of a transaction in shared memory and, past that, makes
 * every other session's snapshot look them up on disk.
 */
export const MAX_GROUP = 16;

/** Savepoint each phase of a group runs under, so that its failure undoes only its own writes. */
const ITEM_SAVEPOINT = 'tcc_item';

/**
 * Default of how long a phase of a group waits for a row lock before it
 * gives up its place in the group ({@link runPhaseGroup}).
 */
export const GROUP_LOCK_WAIT_MS = 50;

/** One phase of a group: its run, built when its turn comes (a try's deadline is checked then), and how it runs alone. */
export interface GroupedPhase {
  run(): PhaseRun;
  /** Runs the phase in a transaction of its own; may throw (HTTP 500 for this phase alone). */
  alone(): Promise<BatchAnswer>;
}

/**
 * Runs phases of different branches on one database in as few local
 * transactions as {@link MAX_GROUP} allows, one after the other in the
 * order given, each phase under a savepoint of its own. The barrier rules
 * are per branch, and phases that follow each other in one transaction
 * see each other's writes, so every phase is answered as it would have been
 * alone, in that order. A phase that throws is rolled back to its savepoint
 * and the others go on; once the group committed it runs again, alone, in
 * a transaction of its own (a deadlock or a lost lock race then gets its
 * own fresh attempt). When the group's transaction fails as a whole, none
 * of its phases happened, and each runs alone.
 *
 * A group takes the row locks of phases its author never ordered against
 * each other, so two groups can lock the same rows in opposite orders; and
 * every lock a group took is held until its last phase is done. So a phase
 * of a group waits at most `lockWaitMs` for a lock (0: as long as it takes):
 * then it is rolled back to its savepoint, which also releases the locks it
 * took, and runs alone after the group committed, where it waits like any
 * single call. A deadlock between groups costs that wait instead of
 * PostgreSQL's detection (a second by default) and a failed group.
 */
export async function runPhaseGroup(
  dataSource: DataSource,
  runs: readonly GroupedPhase[],
  lockWaitMs = GROUP_LOCK_WAIT_MS,
): Promise<BatchAnswer[]> {
  const answers: BatchAnswer[] = [];
  for (let start = 0; start < runs.length; start += MAX_GROUP) {
    answers.push(...(await runChunk(dataSource, runs.slice(start, start + MAX_GROUP), lockWaitMs)));
  }
  return answers;
}

async function runChunk(
  dataSource: DataSource,
  phases: readonly GroupedPhase[],
  lockWaitMs: number,
): Promise<BatchAnswer[]> {
  let together: (BarrierAnswer | null)[];
  try {
    const first = phases[0].run();
    together = await inTransaction(
      dataSource,
      [
        // An integer of ours, never request input: inlined, as SET takes no parameters.
        { sql: `SET LOCAL lock_timeout = ${Math.max(0, Math.trunc(lockWaitMs))}` },
        { sql: `SAVEPOINT ${ITEM_SAVEPOINT}` },
        ...first.opening,
      ],
      async (manager, opened) => {
        const answers: (BarrierAnswer | null)[] = [];
        for (const [index, phase] of phases.entries()) {
          try {
            const run = index === 0 ? first : phase.run();
            const results =
              index === 0
                ? opened.slice(2)
                : (
                    await runTogether(manager, [
                      { sql: `RELEASE SAVEPOINT ${ITEM_SAVEPOINT}` },
                      { sql: `SAVEPOINT ${ITEM_SAVEPOINT}` },
                      ...run.opening,
                    ])
                  ).slice(2);
            answers.push(await run.work(manager, results));
          } catch {
            // Undoes this phase only; it runs again alone once the others committed.
            await manager.query(`ROLLBACK TO SAVEPOINT ${ITEM_SAVEPOINT}`);
            answers.push(null);
          }
        }
        return answers;
      },
    );
  } catch {
    together = phases.map(() => null);
  }
  const answers: BatchAnswer[] = [];
  for (const [index, answer] of together.entries()) {
    answers.push(answer ?? (await alone(phases[index])));
  }
  return answers;
}

/** A phase in a transaction of its own; its failure answers only its own call (HTTP 500). */
async function alone(phase: GroupedPhase): Promise<BatchAnswer> {
  try {
    return await phase.alone();
  } catch (error) {
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}
