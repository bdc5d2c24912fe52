import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The schema of one account shard. Every amount is bounded to 0 … 2^53−1 so
 * it stays exact as a JavaScript number; the guarded UPDATEs keep inside the
 * bounds and the CHECKs make a bug fail loudly instead of going negative.
 */
export class CreateAccounts1700000000100 implements MigrationInterface {
  name = 'CreateAccounts1700000000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE accounts (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:@-]{1,64}$'),
        balance bigint NOT NULL CHECK (balance BETWEEN 0 AND 9007199254740991),
        frozen bigint NOT NULL DEFAULT 0 CHECK (frozen BETWEEN 0 AND 9007199254740991),
        incoming bigint NOT NULL DEFAULT 0 CHECK (incoming BETWEEN 0 AND 9007199254740991),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One hold per branch: what the try took, so confirm and cancel act on it and never on the re-sent payload.
    await runner.query(`
      CREATE TABLE holds (
        transaction_id text NOT NULL,
        branch_id text NOT NULL,
        account_id text NOT NULL REFERENCES accounts (id),
        kind text NOT NULL CHECK (kind IN ('debit', 'credit')),
        amount bigint NOT NULL CHECK (amount BETWEEN 1 AND 9007199254740991),
        state text NOT NULL DEFAULT 'HELD' CHECK (state IN ('HELD', 'CONFIRMED', 'CANCELLED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        settled_at timestamptz,
        PRIMARY KEY (transaction_id, branch_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE holds');
    await runner.query('DROP TABLE accounts');
  }
}
