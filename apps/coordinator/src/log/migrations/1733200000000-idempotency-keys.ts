import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A compact record of every Idempotency-Key, kept longer than the
 * transactions themselves (TCC_IDEMPOTENCY_RETENTION_DAYS), so a retry
 * after its transaction was purged is refused instead of run again. A
 * begin claims its key here in the statement that logs the transaction;
 * the purge of the transaction fills in `final_status` and `finished_at`
 * in the same local transaction as the delete. Keys already in use are
 * copied over.
 */
export class IdempotencyKeys1733200000000 implements MigrationInterface {
  name = 'IdempotencyKeys1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE idempotency_keys (
        key            text PRIMARY KEY,
        request_hash   text,
        transaction_id uuid NOT NULL,
        created_at     timestamptz NOT NULL,
        final_status   text,
        finished_at    timestamptz
      )`);
    await runner.query(
      `CREATE INDEX idempotency_keys_finished ON idempotency_keys (finished_at)
       WHERE finished_at IS NOT NULL`,
    );
    await runner.query(`
      INSERT INTO idempotency_keys (key, request_hash, transaction_id, created_at)
      SELECT idempotency_key, request_hash, id, created_at FROM transactions
      WHERE idempotency_key IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE idempotency_keys`);
  }
}
