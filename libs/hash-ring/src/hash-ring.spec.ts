import { DEFAULT_VIRTUAL_NODES, HashRing } from './hash-ring';

const IDS = Array.from({ length: 10_000 }, (_, i) => `account-${i}`);
const PINNED = ['c', 'c', 'c', 'b'];
const shardNames = (count: number) => Array.from({ length: count }, (_, i) => `shard-${i}`);

function placement(ring: HashRing): Map<string, string> {
  return new Map(IDS.map((id) => [id, ring.nodeFor(id)]));
}

function counts(ring: HashRing): Map<string, number> {
  const result = new Map(ring.nodes.map((name) => [name, 0]));
  for (const id of IDS) {
    const node = ring.nodeFor(id);
    result.set(node, (result.get(node) ?? 0) + 1);
  }
  return result;
}

describe('HashRing', () => {
  it.each([2, 3, 4, 8])('spreads 10,000 ids over %i shards within ±10%% of the mean', (n) => {
    const ring = new HashRing(shardNames(n));
    const mean = IDS.length / n;
    for (const [, count] of counts(ring)) {
      expect(Math.abs(count - mean) / mean).toBeLessThanOrEqual(0.1);
    }
  });

  it.each([2, 3, 4, 7])(
    'adding a shard to %i moves about 1/(N+1) of the ids, all to the new shard',
    (n) => {
      const before = new HashRing(shardNames(n));
      const after = before.withNode('shard-new');
      const old = placement(before);
      const moved = [...placement(after)].filter(([id, node]) => node !== old.get(id));
      // No id moves between two shards that were already there.
      expect(moved.filter(([, node]) => node !== 'shard-new')).toEqual([]);
      const expected = IDS.length / (n + 1);
      expect(Math.abs(moved.length - expected) / expected).toBeLessThanOrEqual(0.15);
    },
  );

  it('removing a shard moves only the ids it held', () => {
    const before = new HashRing(shardNames(4));
    const after = before.withoutNode('shard-2');
    const old = placement(before);
    const moved = [...placement(after)].filter(([id, node]) => node !== old.get(id));
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.filter(([id]) => old.get(id) !== 'shard-2')).toEqual([]);
    expect(after.nodes).toEqual(['shard-0', 'shard-1', 'shard-3']);
  });

  it('is deterministic across instances and insertion order', () => {
    const a = new HashRing(['b', 'c', 'a']);
    const b = new HashRing(['a', 'b', 'c']);
    const c = new HashRing(['a', 'b']).withNode('c');
    expect(placement(a)).toEqual(placement(b));
    expect(placement(c)).toEqual(placement(b));
    // Pinned placement: a change here would move accounts between live shards.
    expect(['alice', 'bob', 'shop', 'account-1'].map((id) => b.nodeFor(id))).toEqual(PINNED);
  });

  it('leaves the original ring unchanged by withNode/withoutNode', () => {
    const ring = new HashRing(['a', 'b']);
    const before = placement(ring);
    ring.withNode('c');
    ring.withoutNode('a');
    expect(placement(ring)).toEqual(before);
    expect(ring.nodes).toEqual(['a', 'b']);
  });

  it('serves one shard with every id', () => {
    const ring = new HashRing(['only']);
    expect(new Set(IDS.map((id) => ring.nodeFor(id)))).toEqual(new Set(['only']));
  });

  it('refuses empty, duplicate or unknown names and bad virtual node counts', () => {
    expect(() => new HashRing([])).toThrow(RangeError);
    expect(() => new HashRing(['a', ''])).toThrow(/non-empty/);
    expect(() => new HashRing(['a', 'a'])).toThrow(/Duplicate/);
    expect(() => new HashRing(['a'], { virtualNodes: 0 })).toThrow(/virtualNodes/);
    expect(() => new HashRing(['a'], { virtualNodes: 1.5 })).toThrow(/virtualNodes/);
    expect(() => new HashRing(['a']).withNode('a')).toThrow(/already/);
    expect(() => new HashRing(['a']).withoutNode('b')).toThrow(/not on the ring/);
  });

  it('keeps its virtual node count in derived rings', () => {
    const small = new HashRing(['a', 'b'], { virtualNodes: 8 });
    const derived = small.withNode('c').withoutNode('c');
    expect(placement(derived)).toEqual(placement(small));
    expect(DEFAULT_VIRTUAL_NODES).toBeGreaterThanOrEqual(160);
  });
});
