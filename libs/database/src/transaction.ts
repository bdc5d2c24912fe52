import type { PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { SqlResult, preparedQuery } from './prepared';

/** One parameterised statement, run as a named prepared statement. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

const BEGIN = 'BEGIN ISOLATION LEVEL READ COMMITTED';

/**
 * Runs `work` in a READ COMMITTED transaction whose BEGIN travels with the
 * `opening` statements in one round trip: the connection is pipelined
 * ({@link postgresOptions}), so they are written together and PostgreSQL
 * runs them in order, each with its own result, as if sent one by one.
 * On a loopback connection each round trip costs both processes a write,
 * a read and a wake-up, which is most of what a short statement costs, and
 * a participant's phase is a handful of short statements.
 *
 * `work` gets the transaction's manager (TypeORM sees the transaction as
 * started, so a nested `manager.transaction` takes a savepoint and
 * `save()` does not open its own) and the opening statements' results.
 * Commits when `work` resolves, rolls back when it throws or an opening
 * statement fails (that statement's error is thrown).
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  opening: readonly Statement[],
  work: (manager: EntityManager, opened: SqlResult<unknown>[]) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    await runner.broadcaster.broadcast('BeforeTransactionStart');
    const opened = await pipeline(client, [{ sql: BEGIN }, ...opening]);
    markStarted(runner);
    await runner.broadcaster.broadcast('AfterTransactionStart');
    let result: T;
    try {
      result = await work(runner.manager, opened.slice(1));
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
    await runner.commitTransaction();
    return result;
  } finally {
    await runner.release();
  }
}

/**
 * Sends `statements` in one write and waits for all of them; throws the
 * first failure (after rolling back, when BEGIN had opened a transaction),
 * so the connection is left idle either way.
 */
async function pipeline(
  client: PoolClient,
  statements: readonly Statement[],
): Promise<SqlResult<unknown>[]> {
  const settled = await sendTogether(client, statements);
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure === undefined) return fulfilled(settled);
  if (settled[0].status === 'fulfilled') {
    await client.query('ROLLBACK').catch(() => undefined);
  }
  throw failure.reason;
}

/**
 * Sends `statements` in one write on the transaction `manager` runs (one
 * opened by {@link inTransaction}) and waits for all of them, in one round
 * trip; throws the first failure, leaving the transaction to its owner.
 */
export async function runTogether(
  manager: EntityManager,
  statements: readonly Statement[],
): Promise<SqlResult<unknown>[]> {
  if (!manager.queryRunner) throw new Error('runTogether needs a transaction of inTransaction');
  const client = (await manager.queryRunner.connect()) as PoolClient;
  const settled = await sendTogether(client, statements);
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return fulfilled(settled);
}

/**
 * Writes `statements` to `client` in one write (PostgreSQL still runs and
 * answers each on its own) and settles each one's result.
 */
export function sendTogether(
  client: PoolClient,
  statements: readonly Statement[],
): Promise<PromiseSettledResult<SqlResult<unknown>>[]> {
  const stream = client.connection.stream as { cork(): void; uncork(): void };
  stream.cork();
  let pending: Promise<SqlResult<unknown>>[];
  try {
    pending = statements.map((statement) =>
      preparedQuery<unknown>(client, statement.sql, statement.params ?? []),
    );
  } finally {
    stream.uncork();
  }
  return Promise.allSettled(pending);
}

function fulfilled(settled: PromiseSettledResult<SqlResult<unknown>>[]): SqlResult<unknown>[] {
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<SqlResult<unknown>>).value);
}

/**
 * Tells TypeORM the runner is inside a transaction opened by hand, the way
 * its own `startTransaction` records it, so that its commit, rollback and
 * nested transactions behave as usual.
 */
function markStarted(runner: QueryRunner): void {
  Object.assign(runner, { isTransactionActive: true, transactionDepth: 1 });
}
