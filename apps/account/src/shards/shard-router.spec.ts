import type { DataSource } from 'typeorm';
import { parseShardUrls } from '../config/shard-urls';
import { ShardRouter } from './shard-router';

// Stand-ins: the router only hands DataSources out, it never calls them.
const fakeSource = (url: string) => ({ url }) as unknown as DataSource;

function routerFor(raw: string): ShardRouter {
  return new ShardRouter(
    parseShardUrls(raw).map((shard) => ({ name: shard.name, dataSource: fakeSource(shard.url) })),
  );
}

const IDS = Array.from({ length: 2000 }, (_, i) => `user-${i}`);

describe('ShardRouter', () => {
  it('places accounts by shard name: new URLs for the same names move nothing', () => {
    const before = routerFor('a=postgres://old:pw@db1/acct_a,b=postgres://old:pw@db2/acct_b');
    const after = routerFor('a=postgres://new:pw2@db9/acct_a,b=postgres://new:pw2@db8/acct_b');
    expect(IDS.map((id) => after.shardFor(id))).toEqual(IDS.map((id) => before.shardFor(id)));
  });

  it('hands out the DataSource of the shard the ring picks', () => {
    const router = routerFor('a=postgres://db1/acct_a,b=postgres://db2/acct_b');
    const urls = { a: 'postgres://db1/acct_a', b: 'postgres://db2/acct_b' };
    for (const id of IDS) {
      const shard = router.shardFor(id) as 'a' | 'b';
      expect((router.dataSourceFor(id) as unknown as { url: string }).url).toBe(urls[shard]);
    }
    expect(new Set(IDS.map((id) => router.shardFor(id)))).toEqual(new Set(['a', 'b']));
  });
});
