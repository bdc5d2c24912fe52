import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Members and the awards of their purchases. `pending` is what tries have
 * promised and no confirm or cancel has settled yet; an award moves from
 * PENDING to GRANTED or DROPPED exactly once.
 */
export class CreateLoyalty1700000000300 implements MigrationInterface {
  name = 'CreateLoyalty1700000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE members (
        id text PRIMARY KEY,
        points bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
        pending bigint NOT NULL DEFAULT 0 CHECK (pending >= 0)
      )`);
    await queryRunner.query(`
      CREATE TABLE awards (
        transaction_id text NOT NULL,
        branch_id text NOT NULL,
        member_id text NOT NULL REFERENCES members (id),
        points bigint NOT NULL CHECK (points > 0),
        state text NOT NULL CHECK (state IN ('PENDING', 'GRANTED', 'DROPPED')),
        PRIMARY KEY (transaction_id, branch_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE awards');
    await queryRunner.query('DROP TABLE members');
  }
}
