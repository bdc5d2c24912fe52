import { idPrefixRange } from './id-prefix';

describe('idPrefixRange', () => {
  it('spans every id that starts with the prefix, whatever its case', () => {
    expect(idPrefixRange('169BA6FD')).toEqual({
      first: '169ba6fd-0000-0000-0000-000000000000',
      last: '169ba6fd-ffff-ffff-ffff-ffffffffffff',
    });
    expect(idPrefixRange('169ba6fd-12')).toEqual({
      first: '169ba6fd-1200-0000-0000-000000000000',
      last: '169ba6fd-12ff-ffff-ffff-ffffffffffff',
    });
  });

  it('is one id for a whole id', () => {
    const id = '169ba6fd-1234-4abc-8def-0123456789ab';
    expect(idPrefixRange(id)).toEqual({ first: id, last: id });
  });

  it.each([
    '',
    'overview-key',
    '169ba6fdx',
    '169ba6fd1',
    '169b-',
    `${'a'.repeat(8)}-${'b'.repeat(40)}`,
  ])('is null for %p, which no id starts with', (text) => {
    expect(idPrefixRange(text)).toBeNull();
  });
});
