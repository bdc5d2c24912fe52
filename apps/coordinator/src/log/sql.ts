import type { EntityManager } from 'typeorm';
import { runPrepared } from '@app/database';

/** Runs one statement (prepared once per connection, see runPrepared) and returns its rows. */
export async function select<T>(
  manager: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  return (await runPrepared<T>(manager, sql, params)).rows;
}
