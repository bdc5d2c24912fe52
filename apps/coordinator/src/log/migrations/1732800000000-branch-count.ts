import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many branches each transaction has. Adding a branch bumps it in the
 * same local transaction, which rewrites the transaction's row; a confirm
 * CAS blocked on that row re-checks it when the add commits and finds more
 * branches than it counted TRIED, so a confirm needs no lock held across
 * statements to never miss a branch added at the same moment.
 */
export class BranchCount1732800000000 implements MigrationInterface {
  name = 'BranchCount1732800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE transactions ADD COLUMN branch_count integer NOT NULL DEFAULT 0`,
    );
    await runner.query(`
      UPDATE transactions t SET branch_count = counted.n
      FROM (SELECT transaction_id, count(*)::int AS n FROM branches GROUP BY transaction_id) counted
      WHERE counted.transaction_id = t.id`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE transactions DROP COLUMN branch_count`);
  }
}
