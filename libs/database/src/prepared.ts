import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

/**
 * Most distinct statement texts one process prepares. Each connection keeps
 * every statement it prepared, so a text built from unbounded input must
 * not be named; past the bound statements simply run unprepared.
 */
const MAX_PREPARED = 256;
const names = new Map<string, string>();

function nameOf(sql: string): string | undefined {
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_PREPARED) {
    name = `tcc_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

/** Rows and affected-row count of one statement. */
export interface SqlResult<T> {
  rows: T[];
  rowCount: number;
}

/**
 * Runs one statement on `manager`'s connection (its transaction, if any) as
 * a named prepared statement, so PostgreSQL parses and plans each text once
 * per connection instead of at every call: on a hot path of short
 * statements that costs about as much as running them. Rows and row count
 * come back the same way for every command (TypeORM shapes UPDATE results
 * differently); errors are pg's own, SQLSTATE in `code`.
 */
export async function runSql<T = Record<string, unknown>>(
  manager: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
): Promise<SqlResult<T>> {
  const runner = manager.queryRunner ?? manager.dataSource.createQueryRunner();
  try {
    return await preparedQuery<T>((await runner.connect()) as PoolClient, sql, params);
  } finally {
    // Only a runner borrowed here goes back to the pool; a transaction's runner belongs to its owner.
    if (!manager.queryRunner) await runner.release();
  }
}

/** Runs one statement on `client` as a named prepared statement (see {@link runSql}). */
export async function preparedQuery<T>(
  client: PoolClient,
  sql: string,
  params: readonly unknown[],
): Promise<SqlResult<T>> {
  const result = await client.query({ name: nameOf(sql), text: sql, values: [...params] });
  return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
}
