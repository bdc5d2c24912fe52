import { Readable } from 'node:stream';
import { readBounded } from './bounded-answer';

describe('readBounded', () => {
  it('reads a body smaller than the limit whole', async () => {
    expect(
      await readBounded(Readable.from([Buffer.from('{"code":'), Buffer.from('"X"}')]), 100),
    ).toBe('{"code":"X"}');
  });

  it('stops at the limit and abandons an endless body', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1;
        this.push(Buffer.alloc(1024, 'a'));
      },
    });
    const text = await readBounded(endless, 10_000);
    expect(text).toBe('a'.repeat(10_000));
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(50);
  });
});
