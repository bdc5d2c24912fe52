import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wallets and the holds `pay` records. `available + held + used` of a wallet
 * never changes after it is opened; the CHECKs make a double release or a
 * double confirm fail loudly instead of going negative.
 */
export class CreateWallets1700000000900 implements MigrationInterface {
  name = 'CreateWallets1700000000900';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE wallets (
        id text PRIMARY KEY,
        available bigint NOT NULL CHECK (available >= 0),
        held bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
        used bigint NOT NULL DEFAULT 0 CHECK (used >= 0)
      )`);
    await runner.query(`
      CREATE TABLE wallet_holds (
        transaction_id text NOT NULL,
        branch_id text NOT NULL,
        wallet_id text NOT NULL REFERENCES wallets (id),
        amount bigint NOT NULL CHECK (amount > 0),
        state text NOT NULL CHECK (state IN ('HELD', 'CONFIRMED', 'CANCELLED')),
        PRIMARY KEY (transaction_id, branch_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE wallet_holds, wallets');
  }
}
