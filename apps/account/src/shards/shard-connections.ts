import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { postgresOptions } from '@app/database';
import { CreateTccBarrier1700000000000 } from '@app/participant';
import type { ShardConfig } from '../config/shard-urls';
import { CreateAccounts1700000000100 } from '../migrations/1700000000100-create-accounts';
import { AccountRing1700000000200 } from '../migrations/1700000000200-account-ring';
import { initialControl, missingShards } from '../ring/placement';
import {
  RingControl,
  claimName,
  newestControl,
  readControl,
  writeControl,
} from '../ring/ring-state';
import type { Shard } from './shard-router';

/** Connections per shard: several shards share a 2-core box, and a phase call holds one connection only for its local transaction. */
export const SHARD_POOL_SIZE = 8;

const logger = new Logger('AccountShards');

/** Session lock that makes account processes starting together on one shard migrate it one at a time. */
const MIGRATION_LOCK = 7_465_611_001;

function shardDataSource(shard: ShardConfig): DataSource {
  return new DataSource({
    ...postgresOptions({
      url: shard.url,
      entities: [],
      migrations: [
        CreateTccBarrier1700000000000,
        CreateAccounts1700000000100,
        AccountRing1700000000200,
      ],
      poolSize: SHARD_POOL_SIZE,
      applicationName: `tcc-account-${shard.name}`,
    }),
    // Applied by connectShards, under MIGRATION_LOCK.
    migrationsRun: false,
  });
}

/** Applies a shard's pending migrations while holding {@link MIGRATION_LOCK} on it. */
async function migrate(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
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
  const results = await Promise.allSettled(
    shards.map(async (shard) => migrate(await shard.dataSource.initialize())),
  );
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

/**
 * Reads the durable ring from the connected shards, or, when none of them
 * has one (the very first start), makes the configured shards the ring.
 * Refuses, with one line, a list that renames a shard's database or lacks
 * a shard that holds accounts; a listed shard outside the ring stays idle.
 */
export async function openRing(shards: readonly Shard[]): Promise<RingControl> {
  for (const shard of shards) {
    const stored = await claimName(shard.dataSource, shard.name);
    if (stored !== shard.name) {
      throw new Error(
        `ACCOUNT_SHARD_URLS gives the name "${shard.name}" to the database of shard "${stored}" (bare URLs are named by position: keep their order, or write name=url)`,
      );
    }
  }
  let control = newestControl(await Promise.all(shards.map((s) => readControl(s.dataSource))));
  if (control === null) {
    control = initialControl(shards.map((shard) => shard.name));
    for (const shard of shards) await writeControl(shard.dataSource, control);
    logger.log(`first start: the ring is ${control.shards.join(', ')} (version 1)`);
    // Another process may have made its own first ring meanwhile; the stored one wins.
    control =
      newestControl(await Promise.all(shards.map((s) => readControl(s.dataSource)))) ?? control;
  }
  const missing = missingShards(
    control,
    shards.map((shard) => shard.name),
  );
  if (missing.length > 0) {
    throw new Error(
      `ACCOUNT_SHARD_URLS lacks ${missing.map((name) => `"${name}"`).join(', ')}, which hold accounts (ring version ${control.version}: ${control.shards.join(', ')}); list every ring shard, and drain a shard with POST /admin/shards/rebalance before removing it`,
    );
  }
  return control;
}
