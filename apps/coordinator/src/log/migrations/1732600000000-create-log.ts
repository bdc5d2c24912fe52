import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The coordinator's log. Plain tables, btree and partial indexes only, so the
 * same SQL runs on PostgreSQL-compatible distributed engines.
 */
export class CreateLog1732600000000 implements MigrationInterface {
  name = 'CreateLog1732600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE participants (
        name            text PRIMARY KEY,
        base_url        text NOT NULL,
        actions         text[] NOT NULL,
        last_success_at timestamptz,
        last_error_at   timestamptz,
        last_error      text,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE transactions (
        id               uuid PRIMARY KEY,
        status           text NOT NULL
          CHECK (status IN ('TRYING', 'CONFIRMING', 'CONFIRMED', 'CANCELLING', 'CANCELLED')),
        deadline         timestamptz NOT NULL,
        reason           text,
        reason_code      text,
        failed_branch_id uuid,
        stuck            boolean NOT NULL DEFAULT false,
        resolved         boolean NOT NULL DEFAULT false,
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL,
        lease_owner      text,
        lease_until      timestamptz,
        auto_commit      boolean NOT NULL,
        idempotency_key  text,
        request_hash     text,
        created_at       timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL,
        CONSTRAINT transactions_idempotency_key UNIQUE (idempotency_key)
      )`);
    // Recovery's claim: only unfinished, unresolved transactions, by due time.
    await runner.query(`
      CREATE INDEX transactions_due ON transactions (next_attempt_at)
        WHERE status IN ('TRYING', 'CONFIRMING', 'CANCELLING') AND NOT resolved`);
    // Listing newest first with a (created_at, id) keyset cursor.
    await runner.query(
      `CREATE INDEX transactions_newest ON transactions (created_at DESC, id DESC)`,
    );
    await runner.query(`
      CREATE INDEX transactions_stuck ON transactions (created_at DESC, id DESC)
        WHERE stuck AND NOT resolved`);
    // Retention finds old finished transactions without scanning live ones.
    await runner.query(`
      CREATE INDEX transactions_finished ON transactions (updated_at)
        WHERE status IN ('CONFIRMED', 'CANCELLED')`);
    await runner.query(`
      CREATE TABLE branches (
        id              uuid PRIMARY KEY,
        transaction_id  uuid NOT NULL REFERENCES transactions (id),
        position        integer NOT NULL,
        participant     text NOT NULL,
        action          text NOT NULL,
        payload         jsonb NOT NULL,
        status          text NOT NULL
          CHECK (status IN ('PENDING', 'TRIED', 'TRY_FAILED', 'CONFIRMED', 'CANCELLED')),
        attempts        integer NOT NULL DEFAULT 0,
        last_error      text,
        idempotency_key text,
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL,
        CONSTRAINT branches_position UNIQUE (transaction_id, position),
        CONSTRAINT branches_idempotency_key UNIQUE (transaction_id, idempotency_key)
      )`);
    await runner.query(
      `CREATE INDEX branches_participant ON branches (participant, transaction_id)`,
    );
    await runner.query(`
      CREATE TABLE events (
        id             bigserial PRIMARY KEY,
        transaction_id uuid NOT NULL REFERENCES transactions (id),
        at             timestamptz NOT NULL,
        type           text NOT NULL,
        branch_id      uuid,
        detail         jsonb
      )`);
    await runner.query(`CREATE INDEX events_transaction ON events (transaction_id, id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE events`);
    await runner.query(`DROP TABLE branches`);
    await runner.query(`DROP TABLE transactions`);
    await runner.query(`DROP TABLE participants`);
  }
}
