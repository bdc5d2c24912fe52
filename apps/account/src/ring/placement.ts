import { HashRing } from '@app/hash-ring';
import type { RebalanceRecord, RingControl } from './ring-state';

/** The control a deployment starts with: the shards listed on its very first start, version 1. */
export function initialControl(names: readonly string[]): RingControl {
  return {
    epoch: 1,
    version: 1,
    shards: [...names].sort(),
    rebalance: null,
    acceptingAccounts: true,
  };
}

/** True while a rebalance is unfinished (running, or failed and waiting to be run again). */
export function isUnfinished(record: RebalanceRecord | null): record is RebalanceRecord {
  return record !== null && (record.state === 'running' || record.state === 'failed');
}

/** Every shard that may hold accounts: the ring's, plus the targets of an unfinished rebalance. */
export function holdersOf(control: RingControl): string[] {
  const names = new Set(control.shards);
  if (isUnfinished(control.rebalance)) {
    for (const name of [...control.rebalance.holders, ...control.rebalance.target]) {
      names.add(name);
    }
  }
  return [...names].sort();
}

/** Shards the app must be able to reach that the configured list lacks, in name order. */
export function missingShards(control: RingControl, configured: readonly string[]): string[] {
  const listed = new Set(configured);
  return holdersOf(control).filter((name) => !listed.has(name));
}

/** Why a rebalance target is unacceptable, or null: it must be a non-empty list of distinct configured shard names. */
export function targetProblem(target: unknown, configured: readonly string[]): string | null {
  if (!Array.isArray(target) || target.length === 0) {
    return 'shards must be a non-empty array of shard names';
  }
  const seen = new Set<string>();
  for (const name of target as unknown[]) {
    if (typeof name !== 'string') return 'shards must hold shard names (strings)';
    if (seen.has(name)) return `shards names "${name}" twice`;
    seen.add(name);
    if (!configured.includes(name)) {
      return `shard "${name}" is not in ACCOUNT_SHARD_URLS (configured: ${configured.join(', ')})`;
    }
  }
  return null;
}

/** Accounts that leave one shard for another. */
export interface Move {
  from: string;
  to: string;
  ids: string[];
}

/**
 * The moves that place every account where `target` puts it: only accounts
 * whose owner changes move, grouped by source and destination, in id order.
 */
export function planMoves(
  holdings: ReadonlyMap<string, readonly string[]>,
  target: HashRing,
): Move[] {
  const moves = new Map<string, Move>();
  for (const [from, ids] of [...holdings].sort(([a], [b]) => a.localeCompare(b))) {
    for (const id of [...ids].sort()) {
      const to = target.nodeFor(id);
      if (to === from) continue;
      const key = `${from}\u0000${to}`;
      let move = moves.get(key);
      if (move === undefined) {
        move = { from, to, ids: [] };
        moves.set(key, move);
      }
      move.ids.push(id);
    }
  }
  return [...moves.values()];
}

/** Splits a move into batches of at most `size` accounts, each moved in one step. */
export function batchesOf(move: Move, size: number): Move[] {
  const batches: Move[] = [];
  for (let start = 0; start < move.ids.length; start += size) {
    batches.push({ from: move.from, to: move.to, ids: move.ids.slice(start, start + size) });
  }
  return batches;
}

/** How many accounts a set of moves carries. */
export function movedCount(moves: readonly Move[]): number {
  return moves.reduce((sum, move) => sum + move.ids.length, 0);
}
