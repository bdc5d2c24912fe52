import { classifyFailure, classifyResponse } from './call-outcome';

describe('participant call outcome', () => {
  it('reads 200 as done', () => {
    expect(classifyResponse(200, '{}')).toEqual({ kind: 'ok' });
  });

  it('reads 409 and 400 as final refusals keeping the participant code and detail', () => {
    const body = JSON.stringify({ code: 'INSUFFICIENT_FUNDS', detail: 'alice has 5' });
    expect(classifyResponse(409, body)).toEqual({
      kind: 'refused',
      status: 409,
      code: 'INSUFFICIENT_FUNDS',
      detail: 'alice has 5',
    });
    expect(classifyResponse(400, 'plain text')).toEqual({
      kind: 'refused',
      status: 400,
      code: null,
      detail: 'plain text',
    });
    expect(classifyResponse(409, '')).toMatchObject({ kind: 'refused', detail: 'HTTP 409' });
  });

  it.each([401, 201, 204, 404, 429, 500, 502, 503])('reads %i as unknown', (status) => {
    expect(classifyResponse(status, '{"detail":"why"}')).toEqual({
      kind: 'unknown',
      error: `HTTP ${status}: why`,
    });
  });

  it('reads timeouts and network errors as unknown', () => {
    const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });
    expect(classifyFailure(timeout, 5000)).toEqual({
      kind: 'unknown',
      error: 'no answer within 5000 ms',
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyFailure(refused, 5000)).toEqual({
      kind: 'unknown',
      error: 'ECONNREFUSED: connect ECONNREFUSED',
    });
  });

  it('drops NUL characters, which the log cannot store', () => {
    expect(
      classifyResponse(409, JSON.stringify({ code: 'X\u0000', detail: 'a\u0000b' })),
    ).toMatchObject({
      code: 'X',
      detail: 'ab',
    });
  });

  it('replaces lone surrogates, which jsonb refuses, and never splits a pair when clipping', () => {
    expect(classifyResponse(409, JSON.stringify({ detail: 'a\ud800b' }))).toMatchObject({
      detail: 'a\ufffdb',
    });
    const emoji = '\u{1F600}';
    const outcome = classifyResponse(
      409,
      JSON.stringify({ detail: 'x'.repeat(499) + emoji + 'y' }),
    );
    expect(outcome).toMatchObject({ detail: `${'x'.repeat(499)}${emoji}…` });
    const cut = classifyResponse(409, JSON.stringify({ detail: emoji.repeat(2000) }));
    expect(cut.kind === 'refused' && /\p{Cs}/u.test(cut.detail)).toBe(false);
  });

  it('clips long participant texts', () => {
    const outcome = classifyResponse(409, JSON.stringify({ detail: 'x'.repeat(5000) }));
    expect(outcome.kind === 'refused' && outcome.detail.length).toBeLessThanOrEqual(501);
  });
});
