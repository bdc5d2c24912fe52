import type { EntityManager } from 'typeorm';

/** Rows and affected-row count of one statement. */
export interface StatementResult<T> {
  rows: T[];
  count: number;
}

/**
 * Runs one statement on `manager`'s connection (its transaction, if any) and
 * returns rows and count the same way for every command: TypeORM's
 * `manager.query` answers `[rows, count]` for UPDATE and DELETE but plain
 * rows otherwise.
 */
export async function execute<T>(
  manager: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<StatementResult<T>> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, [...params], true);
    return { rows: (result.records ?? []) as T[], count: result.affected ?? 0 };
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/** Runs one statement and returns its rows. */
export async function select<T>(
  manager: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  return (await execute<T>(manager, sql, params)).rows;
}
