import type { EntityManager } from 'typeorm';
import { runPrepared } from '@app/database';

/** Rows and affected-row count of one statement, whatever its kind (TypeORM shapes UPDATE results differently). */
export interface SqlResult<T> {
  rows: T[];
  rowCount: number;
}

/** Runs one parameterised statement on the manager's transaction (prepared once per connection) and returns its rows and row count. */
export async function runSql<T = Record<string, unknown>>(
  manager: EntityManager,
  text: string,
  parameters: readonly unknown[] = [],
): Promise<SqlResult<T>> {
  return runPrepared<T>(manager, text, parameters);
}
