import { clean, formatFields, formatTable, truncate } from './table';

describe('formatTable', () => {
  it('aligns columns under their headers, numbers to the right, without trailing spaces', () => {
    const text = formatTable(
      [{ header: 'ID' }, { header: 'ATTEMPTS', align: 'right' }, { header: 'STATUS' }],
      [
        ['tx-1', 3, 'CONFIRMED'],
        ['a-much-longer-id', 12, 'TRYING'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'ID                ATTEMPTS  STATUS',
      'tx-1                     3  CONFIRMED',
      'a-much-longer-id        12  TRYING',
    ]);
  });

  it('truncates cells wider than their column maximum with an ellipsis', () => {
    const text = formatTable([{ header: 'A', max: 5 }, { header: 'B' }], [['abcdefgh', 'x']]);
    expect(text.split('\n')[1]).toBe('abcd…  x');
  });

  it('renders null and undefined cells as empty', () => {
    expect(formatTable([{ header: 'A' }, { header: 'B' }], [[null, undefined]])).toBe('A  B\n');
  });

  it('shows control characters escaped so hostile ids cannot drive the terminal', () => {
    const text = formatTable([{ header: 'ID' }], [['evil\u001b[2Jid\nnext']]);
    expect(text).toBe('ID\nevil\\u001b[2Jid\\u000anext');
  });
});

describe('formatFields', () => {
  it('aligns values after the longest label', () => {
    expect(
      formatFields([
        ['Status', 'CONFIRMED'],
        ['Failed branch', 'b-1'],
      ]),
    ).toBe('Status         CONFIRMED\nFailed branch  b-1');
  });
});

describe('clean and truncate', () => {
  it('keeps printable text, including non-ASCII, untouched', () => {
    expect(clean('zoë × 2 → shop')).toBe('zoë × 2 → shop');
    expect(clean(null)).toBe('');
    expect(clean('\u009b31m')).toBe('\\u009b31m');
  });

  it('leaves short text alone and cuts long text to exactly the maximum', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    expect(truncate('abcd', undefined)).toBe('abcd');
  });
});
