import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C `traceparent` of the span that began each transaction, so that
 * recovery's later attempts link their spans to the original trace. Null
 * when tracing was off (and for transactions logged before it was kept).
 */
export class TransactionTraceParent1733100000000 implements MigrationInterface {
  name = 'TransactionTraceParent1733100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE transactions ADD COLUMN trace_parent text`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE transactions DROP COLUMN trace_parent`);
  }
}
