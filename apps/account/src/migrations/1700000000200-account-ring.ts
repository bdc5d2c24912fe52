import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable placement. `account_ring` holds this shard's own name and its copy
 * of the ring (shard names, version) and of the rebalance record, ordered
 * across shards by `epoch`: the highest epoch any shard holds is current.
 * `account_forwards` says where an account that left this shard went;
 * `account_arrivals` marks accounts copied here whose source has not yet
 * let go of them. An account's `history` lists the shards it left recently,
 * whose barrier rows a late try of one of its branches must still respect.
 */
export class AccountRing1700000000200 implements MigrationInterface {
  name = 'AccountRing1700000000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE account_ring (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        name text NOT NULL,
        epoch bigint NOT NULL DEFAULT 0,
        version integer,
        shards text[],
        rebalance jsonb,
        accepting_accounts boolean NOT NULL DEFAULT true,
        rebalance_started_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE account_forwards (
        account_id text PRIMARY KEY,
        shard text NOT NULL,
        moved_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE account_arrivals (
        account_id text PRIMARY KEY REFERENCES accounts (id),
        from_shard text NOT NULL,
        arrived_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`ALTER TABLE accounts ADD COLUMN history jsonb NOT NULL DEFAULT '[]'`);
    // A rebalance's last check looks only at accounts created since it started.
    await runner.query(`CREATE INDEX accounts_created_at ON accounts (created_at)`);
    await runner.query(`CREATE INDEX holds_account_id ON holds (account_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX holds_account_id');
    await runner.query('DROP INDEX accounts_created_at');
    await runner.query('ALTER TABLE accounts DROP COLUMN history');
    await runner.query('DROP TABLE account_arrivals');
    await runner.query('DROP TABLE account_forwards');
    await runner.query('DROP TABLE account_ring');
  }
}
