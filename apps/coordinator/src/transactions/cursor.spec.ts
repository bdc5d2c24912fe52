import { decodeCursor, encodeCursor } from './cursor';

describe('list cursor', () => {
  const key = { createdMicros: '1732600000123456', id: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f' };

  it('round-trips a list position', () => {
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(key);
  });

  it.each([
    '',
    'not a cursor',
    Buffer.from('abc:3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f').toString('base64url'),
    Buffer.from('123:not-a-uuid').toString('base64url'),
    Buffer.from(`123:${key.id}' OR 1=1`).toString('base64url'),
    Buffer.from('12345678901234567890:3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f').toString('base64url'),
    'x'.repeat(500),
  ])('rejects %p', (cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
