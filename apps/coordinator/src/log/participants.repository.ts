import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LogClock } from './log-clock';
import { runSql } from '@app/database';

/** A participant row. */
export interface ParticipantRecord {
  name: string;
  baseUrl: string;
  actions: string[];
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: string | null;
  /** It answers batches of phase calls at `POST /tcc/batch`. */
  batch: boolean;
}

const COLUMNS = `name, base_url AS "baseUrl", actions, last_success_at AS "lastSuccessAt",
  last_error_at AS "lastErrorAt", last_error AS "lastError", batch`;

/** The participant registry's table. */
@Injectable()
export class ParticipantsRepository {
  constructor(private readonly clock: LogClock) {}

  /** Registers a participant or moves an existing name to a new address and action list. */
  async upsertParticipant(
    manager: EntityManager,
    participant: { name: string; baseUrl: string; actions: string[]; batch: boolean },
  ): Promise<ParticipantRecord> {
    const now = this.clock.now;
    const { rows } = await runSql<ParticipantRecord>(
      manager,
      `INSERT INTO participants (name, base_url, actions, batch, updated_at)
       VALUES ($1, $2, $3::text[], $4, ${now})
       ON CONFLICT (name) DO UPDATE
         SET base_url = EXCLUDED.base_url, actions = EXCLUDED.actions, batch = EXCLUDED.batch,
           updated_at = ${now}
       RETURNING ${COLUMNS}`,
      [participant.name, participant.baseUrl, participant.actions, participant.batch],
    );
    return rows[0];
  }

  /** The named participants that exist. */
  async findParticipants(manager: EntityManager, names: string[]): Promise<ParticipantRecord[]> {
    const { rows } = await runSql<ParticipantRecord>(
      manager,
      `SELECT ${COLUMNS} FROM participants WHERE name = ANY($1::text[])`,
      [names],
    );
    return rows;
  }

  /** The names of the participants that answer batches of phase calls. */
  async findBatching(manager: EntityManager): Promise<string[]> {
    const { rows } = await runSql<{ name: string }>(
      manager,
      `SELECT name FROM participants WHERE batch`,
    );
    return rows.map((row) => row.name);
  }

  /** Every participant, by name. */
  async listParticipants(manager: EntityManager): Promise<ParticipantRecord[]> {
    const { rows } = await runSql<ParticipantRecord>(
      manager,
      `SELECT ${COLUMNS} FROM participants ORDER BY name`,
    );
    return rows;
  }

  /** Notes that a call to the participant succeeded (answered at all) or failed. */
  async recordHealth(manager: EntityManager, name: string, error: string | null): Promise<void> {
    const now = this.clock.now;
    await manager.query(
      error === null
        ? `UPDATE participants SET last_success_at = ${now} WHERE name = $1`
        : `UPDATE participants SET last_error_at = ${now}, last_error = $2 WHERE name = $1`,
      error === null ? [name] : [name, error],
    );
  }
}
