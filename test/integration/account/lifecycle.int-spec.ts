import { createHttpApp } from '@app/http';
import { AccountModule } from '../../../apps/account/src/account.module';
import { readAccountConfig } from '../../../apps/account/src/config/account-config';
import { ShardRouter } from '../../../apps/account/src/shards/shard-router';
import { createTestDatabase, TestDatabase } from '../../support/db';

describe('account app lifecycle', () => {
  let shards: TestDatabase[];
  beforeAll(async () => {
    shards = [
      await createTestDatabase('account_life_s0'),
      await createTestDatabase('account_life_s1'),
    ];
  });
  afterAll(() => Promise.all(shards.map((database) => database.drop())));

  const boot = async () => {
    const config = readAccountConfig({
      ACCOUNT_SHARD_URLS: shards.map((database) => database.url).join(','),
    });
    const app = await createHttpApp(AccountModule.forRoot(config, { register: false }), {
      logger: false,
    });
    await app.init();
    return app;
  };

  it('migrates every shard at start, starts again on migrated shards, and closes every pool', async () => {
    const first = await boot();
    const router = first.get(ShardRouter);
    expect(router.shards.map((shard) => shard.name)).toEqual(['shard-0', 'shard-1']);
    for (const shard of router.shards) {
      const tables = await shard.dataSource.query<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.map((row) => row.table_name)).toEqual([
        'account_arrivals',
        'account_forwards',
        'account_ring',
        'accounts',
        'holds',
        'migrations',
        'tcc_barrier',
      ]);
    }
    await first.close();
    expect(router.shards.every((shard) => !shard.dataSource.isInitialized)).toBe(true);

    const second = await boot();
    const again = second.get(ShardRouter);
    expect(again.shards.every((shard) => shard.dataSource.isInitialized)).toBe(true);
    await second.close();
    expect(again.shards.every((shard) => !shard.dataSource.isInitialized)).toBe(true);
  });
});
