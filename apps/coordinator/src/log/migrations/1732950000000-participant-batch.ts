import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Whether a participant declared at registration that it answers batches of phase calls. */
export class ParticipantBatch1732950000000 implements MigrationInterface {
  name = 'ParticipantBatch1732950000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE participants ADD COLUMN batch boolean NOT NULL DEFAULT false`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE participants DROP COLUMN batch`);
  }
}
