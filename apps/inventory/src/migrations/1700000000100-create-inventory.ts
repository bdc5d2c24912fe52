import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inventory schema. Quantities are bounded to 0 … 2^53−1 so they stay
 * exact as JavaScript numbers; the guarded UPDATEs keep inside the bounds and
 * the CHECKs make a bug fail loudly instead of going negative.
 */
export class CreateInventory1700000000100 implements MigrationInterface {
  name = 'CreateInventory1700000000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE stock (
        sku text PRIMARY KEY CHECK (sku ~ '^[A-Za-z0-9._:-]{1,64}$'),
        available bigint NOT NULL CHECK (available BETWEEN 0 AND 9007199254740991),
        reserved bigint NOT NULL DEFAULT 0 CHECK (reserved BETWEEN 0 AND 9007199254740991),
        sold bigint NOT NULL DEFAULT 0 CHECK (sold BETWEEN 0 AND 9007199254740991),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // An order lives next to the stock it consumes, so its row and the stock change commit together.
    await runner.query(`
      CREATE TABLE orders (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
        sku text NOT NULL REFERENCES stock (sku),
        quantity bigint NOT NULL CHECK (quantity BETWEEN 1 AND 9007199254740991),
        status text NOT NULL CHECK (status IN ('PENDING', 'PAID', 'CANCELLED')),
        transaction_id text NOT NULL,
        branch_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One reservation per branch: what the try took, so confirm and cancel act on it and never on the re-sent payload.
    await runner.query(`
      CREATE TABLE reservations (
        transaction_id text NOT NULL,
        branch_id text NOT NULL,
        sku text NOT NULL REFERENCES stock (sku),
        quantity bigint NOT NULL CHECK (quantity BETWEEN 1 AND 9007199254740991),
        order_id text REFERENCES orders (id),
        state text NOT NULL DEFAULT 'HELD' CHECK (state IN ('HELD', 'CONFIRMED', 'CANCELLED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (transaction_id, branch_id)
      )`);
    await runner.query(
      `CREATE INDEX reservations_held_sku ON reservations (sku) WHERE state = 'HELD'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE reservations, orders, stock');
  }
}
