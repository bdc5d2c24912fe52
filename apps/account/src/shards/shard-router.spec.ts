import type { DataSource } from 'typeorm';
import { HashRing } from '@app/hash-ring';
import { parseShardUrls } from '../config/shard-urls';
import { initialControl } from '../ring/placement';
import type { RingControl } from '../ring/ring-state';
import { ShardRouter } from './shard-router';

// Stand-ins: these tests never reach a database.
const fakeSource = (url: string) => ({ url }) as unknown as DataSource;

function routerFor(raw: string, control: RingControl): ShardRouter {
  return new ShardRouter(
    parseShardUrls(raw).map((shard) => ({ name: shard.name, dataSource: fakeSource(shard.url) })),
    control,
  );
}

const IDS = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
const here = { version: 1, moved_to: null, arriving: false };

describe('ShardRouter', () => {
  it('places accounts by the durable ring, whatever the list says', () => {
    const ring = initialControl(['a', 'b']);
    const before = routerFor('a=postgres://old:pw@db1/acct_a,b=postgres://old:pw@db2/acct_b', ring);
    const listed = routerFor(
      'b=postgres://new:pw2@db8/acct_b,c=postgres://db7/acct_c,a=postgres://new:pw2@db9/acct_a',
      ring,
    );
    expect(IDS.map((id) => listed.shardFor(id))).toEqual(IDS.map((id) => before.shardFor(id)));
    expect(new Set(IDS.map((id) => listed.shardFor(id)))).toEqual(new Set(['a', 'b']));
    expect(listed.configured).toEqual(['b', 'c', 'a']);
  });

  it('hands out the DataSource of the shard that holds the account', async () => {
    const router = routerFor(
      'a=postgres://db1/acct_a,b=postgres://db2/acct_b',
      initialControl(['a', 'b']),
    );
    const urls = { a: 'postgres://db1/acct_a', b: 'postgres://db2/acct_b' };
    for (const id of IDS.slice(0, 200)) {
      const shard = router.shardFor(id) as 'a' | 'b';
      expect(((await router.dataSourceFor(id)) as unknown as { url: string }).url).toBe(
        urls[shard],
      );
    }
  });

  it('follows a forward, waits for an arrival, and serves where the account is', () => {
    const router = routerFor(
      'a=postgres://db1/acct_a,b=postgres://db2/acct_b',
      initialControl(['a']),
    );
    expect(router.shardFor('x')).toBe('a');
    expect(router.whereabouts('x', here)).toEqual({ kind: 'here' });
    expect(router.whereabouts('x', { ...here, moved_to: 'b' })).toEqual({
      kind: 'elsewhere',
      retryAfterMs: 0,
    });
    expect(router.shardFor('x')).toBe('b');
    expect(router.whereabouts('x', { ...here, arriving: true, moved_to: 'a' })).toMatchObject({
      kind: 'elsewhere',
    });
    expect(router.shardFor('x')).toBe('b');
  });

  it('adopts a newer control and drops its hints when the ring version changes', () => {
    const router = routerFor(
      'a=postgres://db1/acct_a,b=postgres://db2/acct_b',
      initialControl(['a']),
    );
    router.whereabouts('x', { ...here, moved_to: 'b' });
    router.adopt({ ...initialControl(['a']), epoch: 0 });
    expect(router.shardFor('x')).toBe('b');
    router.adopt({ ...initialControl(['a', 'b']), epoch: 5, version: 2 });
    expect(router.control.version).toBe(2);
    expect(IDS.some((id) => router.shardFor(id) === 'b')).toBe(true);
    expect(router.shardFor('x')).toBe(new HashRing(['a', 'b']).nodeFor('x'));
  });

  it('sends a request on when the shard holds a newer ring', () => {
    const router = routerFor('a=postgres://db1/acct_a', initialControl(['a']));
    jest.spyOn(router, 'refresh').mockResolvedValue(router.control);
    expect(router.whereabouts('x', { ...here, version: 2 })).toEqual({
      kind: 'elsewhere',
      retryAfterMs: 0,
    });
    expect(router.refresh).toHaveBeenCalled();
  });
});
