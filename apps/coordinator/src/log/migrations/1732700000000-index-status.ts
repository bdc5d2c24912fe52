import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin overview counts transactions by status on every refresh; with
 * this index that is an index-only scan instead of a read of the whole table.
 */
export class IndexStatus1732700000000 implements MigrationInterface {
  name = 'IndexStatus1732700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX transactions_status ON transactions (status)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX transactions_status`);
  }
}
