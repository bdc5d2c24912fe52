import { isPayloadObject } from './json-object.validator';

function nested(depth: number): Record<string, unknown> {
  return depth === 1 ? { leaf: 1 } : { child: nested(depth - 1) };
}

describe('isPayloadObject', () => {
  it('accepts JSON objects up to 8 deep and 16 KiB', () => {
    expect(isPayloadObject({})).toBe(true);
    expect(isPayloadObject(nested(8))).toBe(true);
    expect(isPayloadObject({ list: [[[1]]] })).toBe(true);
    expect(isPayloadObject({ blob: 'x'.repeat(16 * 1024 - 20) })).toBe(true);
  });

  it('refuses anything else', () => {
    for (const value of [null, undefined, 1, 'x', true, [], [{}]]) {
      expect(isPayloadObject(value)).toBe(false);
    }
    expect(isPayloadObject(nested(9))).toBe(false);
    expect(isPayloadObject({ a: [[[[[[[[1]]]]]]]] })).toBe(false);
    expect(isPayloadObject({ blob: 'x'.repeat(16 * 1024) })).toBe(false);
    expect(isPayloadObject({ sku: 'a\u0000b' })).toBe(false);
    expect(isPayloadObject({ ['k\u0000']: 1 })).toBe(false);
    expect(isPayloadObject({ sku: 'a\ud800' })).toBe(false);
    expect(isPayloadObject({ ['\udc00']: 1 })).toBe(false);
    expect(isPayloadObject({ list: ['x', { deep: '\udbff' }] })).toBe(false);
  });

  it('accepts paired surrogates (characters outside the BMP)', () => {
    expect(isPayloadObject({ note: 'paid \ud83d\ude00', ['\u{1F600}']: 1 })).toBe(true);
  });
});
