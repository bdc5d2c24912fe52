import type { DataSource } from 'typeorm';
import { runSql } from '@app/participant';

/** Where a rebalance stands, as `GET /admin/shards` shows it. */
export type RebalanceState = 'idle' | 'running' | 'done' | 'failed';

/** The record of the last rebalance, kept with the ring in every shard it touches. */
export interface RebalanceRecord {
  state: Exclude<RebalanceState, 'idle'>;
  target: string[];
  /** Accounts whose owner changes (grows when accounts are opened on a moving part of the ring). */
  total: number;
  moved: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** The ring version this rebalance turns the target into. */
  toVersion: number;
  /** Every shard that may hold accounts while it runs: the ring, and the targets of unfinished rebalances. */
  holders: string[];
}

/** The ring and the rebalance record, as the shard with the highest epoch holds them. */
export interface RingControl {
  epoch: number;
  version: number;
  shards: string[];
  rebalance: RebalanceRecord | null;
  /** False for the moment a rebalance switches the ring: opening an account waits. */
  acceptingAccounts: boolean;
}

/** One shard's row: its own name, and its copy of the control (null on a shard never told the ring). */
export interface StoredControl {
  name: string;
  control: RingControl | null;
}

interface ControlRow {
  name: string;
  epoch: string;
  version: number | null;
  shards: string[] | null;
  rebalance: RebalanceRecord | null;
  accepting_accounts: boolean;
}

/** Reads a shard's control row; null when the shard has none yet. */
export async function readControl(dataSource: DataSource): Promise<StoredControl | null> {
  const { rows } = await runSql<ControlRow>(
    dataSource.manager,
    `SELECT name, epoch, version, shards, rebalance, accepting_accounts FROM account_ring`,
  );
  if (rows.length === 0) return null;
  const row = rows[0];
  return {
    name: row.name,
    control:
      row.version === null || row.shards === null
        ? null
        : {
            epoch: Number(row.epoch),
            version: row.version,
            shards: row.shards,
            rebalance: row.rebalance,
            acceptingAccounts: row.accepting_accounts,
          },
  };
}

/**
 * Gives a shard its name the first time it is connected, and returns the
 * name it holds: a database keeps the name it joined under, so a list that
 * renames it (bare URLs reordered) is caught instead of misplacing accounts.
 */
export async function claimName(dataSource: DataSource, name: string): Promise<string> {
  await runSql(
    dataSource.manager,
    `INSERT INTO account_ring (name) VALUES ($1) ON CONFLICT (singleton) DO NOTHING`,
    [name],
  );
  const stored = await readControl(dataSource);
  if (stored === null) throw new Error('account_ring: row vanished after its insert');
  return stored.name;
}

/**
 * Writes `control` to a shard unless the shard already holds a newer
 * epoch. `stampStart` records the shard's own clock as the start of a
 * rebalance, against which accounts opened during it are found.
 */
export async function writeControl(
  dataSource: DataSource,
  control: RingControl,
  stampStart = false,
): Promise<void> {
  await runSql(
    dataSource.manager,
    `UPDATE account_ring
     SET epoch = $1, version = $2, shards = $3, rebalance = $4, accepting_accounts = $5,
         rebalance_started_at = CASE WHEN $6 THEN now() ELSE rebalance_started_at END,
         updated_at = now()
     WHERE epoch <= $1`,
    [
      control.epoch,
      control.version,
      control.shards,
      control.rebalance === null ? null : JSON.stringify(control.rebalance),
      control.acceptingAccounts,
      stampStart,
    ],
  );
}

/** The current control among several shards' copies: the highest epoch; null when none has one. */
export function newestControl(stored: readonly (StoredControl | null)[]): RingControl | null {
  let newest: RingControl | null = null;
  for (const entry of stored) {
    const control = entry?.control ?? null;
    if (control !== null && (newest === null || control.epoch > newest.epoch)) newest = control;
  }
  return newest;
}
