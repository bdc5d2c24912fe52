import { parseCommandLine } from './args';
import { progressBar, renderShards } from './shards';

describe('tcc shards', () => {
  it('takes --plan and --rebalance lists and the account URL', () => {
    expect(
      parseCommandLine(['shards', '--rebalance', 'a,b', '--account-url', 'http://h:1']),
    ).toMatchObject({
      kind: 'run',
      command: 'shards',
      options: { rebalance: 'a,b', 'account-url': 'http://h:1' },
    });
    expect(parseCommandLine(['shards'])).toMatchObject({
      kind: 'run',
      command: 'shards',
      args: {},
    });
  });

  it('draws the progress of a rebalance', () => {
    expect(progressBar(0, 10)).toBe(`[${'.'.repeat(30)}] 0/10 accounts moved`);
    expect(progressBar(5, 10)).toBe(`[${'#'.repeat(15)}${'.'.repeat(15)}] 5/10 accounts moved`);
    expect(progressBar(0, 0)).toBe(`[${'#'.repeat(30)}] 0/0 accounts moved`);
  });

  it('shows the ring, the idle shards and the last rebalance', () => {
    const text = renderShards({
      ring: { version: 2, shards: ['shard-0', 'shard-1'] },
      configured: ['shard-0', 'shard-1', 'shard-2'],
      rebalance: {
        state: 'failed',
        target: ['shard-0', 'shard-1', 'shard-2'],
        total: 4,
        moved: 1,
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: null,
        error: 'shard "shard-2" is unavailable',
      },
    });
    expect(text).toContain('version 2: shard-0, shard-1');
    expect(text).toMatch(/idle\s+shard-2/);
    expect(text).toMatch(/rebalance\s+failed/);
    expect(text).toContain('1/4 accounts moved');
    expect(text).toContain('shard "shard-2" is unavailable');
  });
});
