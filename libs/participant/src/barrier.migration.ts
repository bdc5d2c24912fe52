import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the barrier table; every participant database lists this migration.
 * One row per (transaction, branch, phase): the primary key is what makes a
 * repeated or out-of-order phase call detectable with `ON CONFLICT DO NOTHING`.
 */
export class CreateTccBarrier1700000000000 implements MigrationInterface {
  name = 'CreateTccBarrier1700000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tcc_barrier (
        transaction_id text NOT NULL,
        branch_id text NOT NULL,
        phase text NOT NULL CHECK (phase IN ('try', 'confirm', 'cancel')),
        outcome text,
        detail jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (transaction_id, branch_id, phase)
      )`);
    // The purge looks only for settling rows by age; a lone 'try' row is never purged.
    await runner.query(`
      CREATE INDEX tcc_barrier_settled_created_at
        ON tcc_barrier (created_at)
        WHERE phase IN ('confirm', 'cancel')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tcc_barrier');
  }
}
