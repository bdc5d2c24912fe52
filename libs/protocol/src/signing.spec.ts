import { signCall, verifyCall } from './signing';

const call = {
  timestamp: '1700000000000',
  method: 'POST',
  path: '/tcc/reserve/try',
  deadline: '1700000010000',
  body: Buffer.from('{"transactionId":"t","branchId":"b","payload":{}}'),
};

describe('signing', () => {
  const now = Number(call.timestamp);

  it('accepts its own signature and one made with the previous secret', () => {
    expect(verifyCall(['s1'], call, signCall('s1', call), now)).toBeNull();
    expect(verifyCall(['s2', 's1'], call, signCall('s1', call), now)).toBeNull();
  });

  it('signs lower-case hex of HMAC-SHA256 over timestamp.METHOD.path.deadline.body', () => {
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const expected = createHmac('sha256', 's1')
      .update(`${call.timestamp}.POST.${call.path}.${call.deadline}.${call.body.toString()}`)
      .digest('hex');
    expect(signCall('s1', call)).toBe(`sha256=${expected}`);
  });

  it('rejects any change to the signed parts', () => {
    const signature = signCall('s1', call);
    expect(verifyCall(['s1'], { ...call, path: '/tcc/reserve/confirm' }, signature, now)).toBe(
      'mismatch',
    );
    expect(verifyCall(['s1'], { ...call, deadline: '' }, signature, now)).toBe('mismatch');
    expect(verifyCall(['s1'], { ...call, body: Buffer.from('{}') }, signature, now)).toBe(
      'mismatch',
    );
    expect(verifyCall(['other'], call, signature, now)).toBe('mismatch');
    expect(verifyCall(['s1'], call, undefined, now)).toBe('missing');
  });

  it('rejects timestamps more than five minutes away in either direction', () => {
    const signature = signCall('s1', call);
    expect(verifyCall(['s1'], call, signature, now + 5 * 60 * 1000 + 1)).toBe('stale-timestamp');
    expect(verifyCall(['s1'], call, signature, now - 5 * 60 * 1000 - 1)).toBe('stale-timestamp');
    expect(verifyCall(['s1'], call, signature, now + 5 * 60 * 1000)).toBeNull();
  });
});
