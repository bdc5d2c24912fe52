import type { EntityManager } from 'typeorm';

/** Rows and affected-row count of one statement, whatever its kind (TypeORM shapes UPDATE results differently). */
export interface SqlResult<T> {
  rows: T[];
  rowCount: number;
}

/** Runs one parameterised statement on the manager's transaction and returns its rows and row count. */
export async function runSql<T = Record<string, unknown>>(
  manager: EntityManager,
  text: string,
  parameters: unknown[] = [],
): Promise<SqlResult<T>> {
  const runner = manager.queryRunner ?? manager.dataSource.createQueryRunner();
  try {
    const result = await runner.query(text, parameters, true);
    const rows = result.records as T[];
    return { rows, rowCount: result.affected ?? rows.length };
  } finally {
    // Only a runner borrowed here goes back to the pool; a transaction's runner belongs to its owner.
    if (!manager.queryRunner) await runner.release();
  }
}
