import { HashRing } from '@app/hash-ring';
import {
  batchesOf,
  holdersOf,
  initialControl,
  missingShards,
  movedCount,
  planMoves,
  targetProblem,
} from './placement';
import type { RebalanceRecord } from './ring-state';

const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

/** Places ids the way the ring does, as the shards would hold them. */
function holdingsUnder(ring: HashRing, all: readonly string[]): Map<string, string[]> {
  const holdings = new Map<string, string[]>(ring.nodes.map((name) => [name, []]));
  for (const id of all) holdings.get(ring.nodeFor(id))?.push(id);
  return holdings;
}

const record = (change: Partial<RebalanceRecord>): RebalanceRecord => ({
  state: 'running',
  target: ['a', 'b', 'c'],
  total: 0,
  moved: 0,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  error: null,
  toVersion: 2,
  holders: ['a', 'b'],
  ...change,
});

describe('planMoves', () => {
  const accounts = ids('user', 3000);
  const two = new HashRing(['a', 'b']);

  it('adding a shard moves about 1/(N+1) of the accounts, all of them to the new shard', () => {
    const moves = planMoves(holdingsUnder(two, accounts), new HashRing(['a', 'b', 'c']));
    expect(moves.every((move) => move.to === 'c')).toBe(true);
    const total = movedCount(moves);
    expect(total).toBeGreaterThan(3000 / 3 - 150);
    expect(total).toBeLessThan(3000 / 3 + 150);
  });

  it('draining a shard moves exactly its accounts, and only to the shards that stay', () => {
    const three = new HashRing(['a', 'b', 'c']);
    const holdings = holdingsUnder(three, accounts);
    const moves = planMoves(holdings, two);
    expect(moves.every((move) => move.from === 'c' && move.to !== 'c')).toBe(true);
    expect(movedCount(moves)).toBe(holdings.get('c')?.length);
  });

  it('plans nothing when every account is where the target ring puts it', () => {
    expect(planMoves(holdingsUnder(two, accounts), new HashRing(['b', 'a']))).toEqual([]);
  });

  it('brings home accounts left on a shard outside the target by an interrupted rebalance', () => {
    const holdings = holdingsUnder(two, accounts);
    holdings.set('c', ['stray-1']);
    const moves = planMoves(holdings, two);
    expect(moves).toEqual([{ from: 'c', to: two.nodeFor('stray-1'), ids: ['stray-1'] }]);
  });

  it('is the same plan whatever order the shards and ids come in', () => {
    const holdings = holdingsUnder(two, accounts);
    const reversed = new Map([...holdings].reverse().map(([k, v]) => [k, [...v].reverse()]));
    const target = new HashRing(['a', 'b', 'c']);
    expect(planMoves(reversed, target)).toEqual(planMoves(holdings, target));
  });

  it('splits a move into batches that keep every id once', () => {
    const move = { from: 'a', to: 'b', ids: ids('x', 250) };
    const batches = batchesOf(move, 100);
    expect(batches.map((batch) => batch.ids.length)).toEqual([100, 100, 50]);
    expect(batches.flatMap((batch) => batch.ids)).toEqual(move.ids);
  });
});

describe('ring membership', () => {
  it('starts from the first list, sorted, at version 1', () => {
    expect(initialControl(['shard-1', 'shard-0'])).toMatchObject({
      version: 1,
      shards: ['shard-0', 'shard-1'],
      rebalance: null,
      acceptingAccounts: true,
    });
  });

  it('counts the targets of an unfinished rebalance as holders, not of a finished one', () => {
    const ring = initialControl(['a', 'b']);
    expect(holdersOf(ring)).toEqual(['a', 'b']);
    expect(holdersOf({ ...ring, rebalance: record({}) })).toEqual(['a', 'b', 'c']);
    expect(holdersOf({ ...ring, rebalance: record({ state: 'failed' }) })).toEqual(['a', 'b', 'c']);
    expect(holdersOf({ ...ring, rebalance: record({ state: 'done' }) })).toEqual(['a', 'b']);
  });

  it('names the ring shards a configured list lacks; extra listed shards are fine', () => {
    const ring = initialControl(['a', 'b']);
    expect(missingShards(ring, ['a', 'b', 'c'])).toEqual([]);
    expect(missingShards(ring, ['b'])).toEqual(['a']);
    expect(missingShards({ ...ring, rebalance: record({}) }, ['a', 'b'])).toEqual(['c']);
  });

  it.each([
    [[], /non-empty/],
    ['a', /non-empty/],
    [[1], /strings/],
    [['a', 'a'], /twice/],
    [['a', 'z'], /"z" is not in ACCOUNT_SHARD_URLS/],
  ])('refuses the target %p', (target, problem) => {
    expect(targetProblem(target, ['a', 'b'])).toMatch(problem);
  });

  it('accepts any non-empty set of configured shards', () => {
    expect(targetProblem(['b'], ['a', 'b'])).toBeNull();
    expect(targetProblem(['a', 'b'], ['a', 'b'])).toBeNull();
  });
});
