import type { DataSource } from 'typeorm';
import { HashRing } from '@app/hash-ring';

/** One connected account shard. */
export interface Shard {
  name: string;
  dataSource: DataSource;
}

/**
 * Places every account on one shard: account id → shard name by the
 * consistent-hash ring → that shard's DataSource. The ring knows names only,
 * so the URLs behind them can change without moving an account.
 */
export class ShardRouter {
  private readonly ring: HashRing;
  private readonly byName: ReadonlyMap<string, Shard>;

  constructor(readonly shards: readonly Shard[]) {
    this.ring = new HashRing(shards.map((shard) => shard.name));
    this.byName = new Map(shards.map((shard) => [shard.name, shard]));
  }

  /** Name of the shard that holds `accountId`. */
  shardFor(accountId: string): string {
    return this.ring.nodeFor(accountId);
  }

  /** The database of the shard that holds `accountId` (its rows, holds and barrier rows). */
  dataSourceFor(accountId: string): DataSource {
    const shard = this.byName.get(this.shardFor(accountId));
    if (!shard) throw new Error(`Shard of account "${accountId}" has no DataSource`);
    return shard.dataSource;
  }
}
