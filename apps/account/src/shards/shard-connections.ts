import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { postgresOptions } from '@app/database';
import { CreateTccBarrier1700000000000 } from '@app/participant';
import type { ShardConfig } from '../config/shard-urls';
import { CreateAccounts1700000000100 } from '../migrations/1700000000100-create-accounts';
import type { Shard } from './shard-router';

/** Connections per shard: several shards share a 2-core box, and a phase call holds one connection only for its local transaction. */
export const SHARD_POOL_SIZE = 8;

const logger = new Logger('AccountShards');

function shardDataSource(shard: ShardConfig): DataSource {
  return new DataSource(
    postgresOptions({
      url: shard.url,
      entities: [],
      migrations: [CreateTccBarrier1700000000000, CreateAccounts1700000000100],
      poolSize: SHARD_POOL_SIZE,
      applicationName: `tcc-account-${shard.name}`,
    }),
  );
}

/**
 * Connects every shard and applies its pending migrations, all or nothing:
 * when one shard fails, the ones already connected are closed again so the
 * failed start leaves no pool behind.
 */
export async function connectShards(configs: readonly ShardConfig[]): Promise<Shard[]> {
  const shards = configs.map((config) => ({
    name: config.name,
    dataSource: shardDataSource(config),
  }));
  const results = await Promise.allSettled(shards.map((shard) => shard.dataSource.initialize()));
  const failure = results.findIndex((result) => result.status === 'rejected');
  if (failure >= 0) {
    await closeShards(shards);
    const reason = (results[failure] as PromiseRejectedResult).reason as unknown;
    const message = reason instanceof Error ? reason.message : String(reason);
    throw new Error(`Account shard "${shards[failure].name}" is unavailable: ${message}`, {
      cause: reason,
    });
  }
  logger.log(`connected ${shards.length} shard(s): ${shards.map((s) => s.name).join(', ')}`);
  return shards;
}

/** Closes the pool of every connected shard. */
export async function closeShards(shards: readonly Shard[]): Promise<void> {
  await Promise.all(
    shards.filter((shard) => shard.dataSource.isInitialized).map((s) => s.dataSource.destroy()),
  );
}
