import type { EntityManager } from 'typeorm';
import { runPrepared } from '@app/database';

/** Rows and affected-row count of one statement. */
export interface StatementResult<T> {
  rows: T[];
  count: number;
}

/**
 * Runs one statement on `manager`'s connection (its transaction, if any),
 * prepared once per connection, and returns rows and count the same way for
 * every command.
 */
export async function execute<T>(
  manager: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<StatementResult<T>> {
  const { rows, rowCount } = await runPrepared<T>(manager, sql, params);
  return { rows, count: rowCount };
}

/** Runs one statement and returns its rows. */
export async function select<T>(
  manager: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  return (await execute<T>(manager, sql, params)).rows;
}
