import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which client started each transaction: the name of the API key it
 * presented (`default` for TCC_API_KEY, `admin` for the admin token). Null
 * for transactions logged before callers were recorded.
 */
export class TransactionCaller1733000000000 implements MigrationInterface {
  name = 'TransactionCaller1733000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE transactions ADD COLUMN caller text`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE transactions DROP COLUMN caller`);
  }
}
