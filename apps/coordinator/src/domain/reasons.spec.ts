import { reasonForFailedTry } from './reasons';

describe('reasonForFailedTry', () => {
  const branch = { id: 'b-1', participant: 'account', action: 'debit' };

  it('names the branch and keeps the participant code and detail', () => {
    expect(
      reasonForFailedTry(branch, {
        kind: 'refused',
        status: 409,
        code: 'INSUFFICIENT_FUNDS',
        detail: 'alice has 5',
      }),
    ).toEqual({
      text: 'Branch b-1 (account debit) refused the try: alice has 5',
      code: 'INSUFFICIENT_FUNDS',
      branchId: 'b-1',
    });
  });

  it('falls back to TRY_REFUSED without a code, and uses TRY_OUTCOME_UNKNOWN for no answer', () => {
    expect(
      reasonForFailedTry(branch, { kind: 'refused', status: 400, code: null, detail: 'bad' }).code,
    ).toBe('TRY_REFUSED');
    const unknown = reasonForFailedTry(branch, { kind: 'unknown', error: 'HTTP 500' });
    expect(unknown.code).toBe('TRY_OUTCOME_UNKNOWN');
    expect(unknown.text).toContain('b-1');
    expect(unknown.text).toContain('HTTP 500');
  });
});
