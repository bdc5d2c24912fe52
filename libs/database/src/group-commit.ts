import { DatabaseError, PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { SqlResult, runSql } from './prepared';
import { Statement, sendTogether } from './transaction';

/** How far groups grow and how many run at once. */
export interface GroupCommitLimits {
  /** Groups in flight at once; statements arriving while all are busy form the next groups. */
  maxGroups: number;
  /** Most statements in one group. */
  maxStatements: number;
}

interface Waiting {
  statement: Statement;
  resolve(result: SqlResult<unknown>): void;
  reject(error: unknown): void;
}

const BEGIN = 'BEGIN ISOLATION LEVEL READ COMMITTED';
const COMMIT = 'COMMIT';

/**
 * Group commit: statements that would each be their own transaction share
 * one transaction, one write to the server and one commit. A statement
 * goes out at once while fewer than `maxGroups` groups are in flight; those
 * that arrive while all are busy queue, and the next free slot takes them
 * as one group, so a lone statement never waits and groups grow only as
 * deep as the load. Each caller is answered only after the group's COMMIT,
 * so what it wrote is as durable as if it had committed alone.
 *
 * A group is all or nothing, so one statement must never cost another its
 * write: when the server answers any statement of a group with an error
 * (a refusal, a deadlock, its own shutdown), the group is rolled back and
 * nothing of it stands, so every statement runs again alone and gets the
 * answer it would have got alone. Only a connection lost without such an
 * answer, after which nobody knows whether the COMMIT happened, fails the
 * whole group, exactly as it fails a lone statement.
 *
 * Statements sent here must be correct as autocommitted statements run in
 * any order relative to each other: the group runs them in arrival order
 * in READ COMMITTED, each seeing the ones before it, as a serial run would.
 */
export class GroupCommit {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly limits: GroupCommitLimits,
  ) {}

  /** Runs `sql` in the next group; resolves once that group committed. */
  run<T>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<T>> {
    return new Promise<SqlResult<unknown>>((resolve, reject) => {
      this.queue.push({ statement: { sql, params }, resolve, reject });
      this.pump();
    }) as Promise<SqlResult<T>>;
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxGroups && this.queue.length > 0) {
      const group = this.queue.splice(0, this.limits.maxStatements);
      this.inFlight += 1;
      void this.commit(group).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    // One statement gains nothing from a transaction around it: it commits on its own.
    if (group.length === 1) return this.runAlone(group[0]);
    const runner = this.dataSource.createQueryRunner();
    let settled: PromiseSettledResult<SqlResult<unknown>>[];
    try {
      const client = (await runner.connect()) as PoolClient;
      settled = await sendTogether(client, [
        { sql: BEGIN },
        ...group.map((waiting) => waiting.statement),
        { sql: COMMIT },
      ]);
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
      return;
    } finally {
      await runner.release();
    }
    const statements = settled.slice(1, -1);
    const answerEachWithItsOwn = () =>
      group.forEach((waiting, index) => {
        const outcome = statements[index];
        if (outcome.status === 'fulfilled') waiting.resolve(outcome.value);
        else waiting.reject(outcome.reason);
      });
    // Without BEGIN each statement ran, or failed, on its own.
    if (settled[0].status === 'rejected') return answerEachWithItsOwn();
    // The server refused something: it never commits a transaction after an error in it.
    if (settled.some((o) => o.status === 'rejected' && o.reason instanceof DatabaseError)) {
      await Promise.all(group.map((waiting) => this.runAlone(waiting)));
      return;
    }
    const commit = settled[settled.length - 1];
    // Committed; a statement the driver refused before sending it fails alone.
    if (commit.status === 'fulfilled') return answerEachWithItsOwn();
    // The connection went before COMMIT was answered: nobody knows whether it happened.
    for (const waiting of group) waiting.reject(commit.reason);
  }

  private async runAlone(waiting: Waiting): Promise<void> {
    const manager: EntityManager = this.dataSource.manager;
    try {
      waiting.resolve(await runSql(manager, waiting.statement.sql, waiting.statement.params));
    } catch (error) {
      waiting.reject(error);
    }
  }
}
