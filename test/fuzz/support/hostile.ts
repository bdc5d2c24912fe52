import * as fc from 'fast-check';

/** A JSON number written exactly as given (`1e309`, `-0`, 2^53+1), which `JSON.stringify` cannot produce. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** A JSON object as a list of entries: duplicate keys and `__proto__` keys survive serialisation. */
export class Entries {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

/** Text nested `depth` levels deep, built as text: deeper than any recursive serialiser would go. */
export class DeepText {
  constructor(
    readonly depth: number,
    readonly open: '[' | '{"a":',
  ) {}
}

/** Serialises a hostile value tree (plain values, arrays, objects, {@link RawNumber}, {@link Entries}, {@link DeepText}) to JSON text. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (value instanceof DeepText) {
    const close = value.open === '[' ? ']' : '}';
    return `${value.open.repeat(value.depth)}1${close.repeat(value.depth)}`;
  }
  if (value instanceof Entries) {
    return `{${value.entries.map(([key, child]) => `${JSON.stringify(key)}:${toJsonText(child)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return toJsonText(new Entries(Object.entries(value)));
  }
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

/** Strings that have broken parsers, databases and templates somewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  "' OR 1=1 --",
  "'; DROP TABLE accounts; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  '\u0000',
  'a\u0000b',
  'x'.repeat(10 * 1024),
  '\ud800',
  'a\udfffb',
  '\u{1F600}',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  'e\u0301\u0301\u0301',
  '../../../../etc/passwd',
  '..%2f..%2fpackage.json',
  '%00',
  '%',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  '',
  ' ',
  '\t\n\r',
  'null',
  'true',
  '[]',
  '{}',
  '1e309',
  '-0',
  '9007199254740993',
  '9'.repeat(400),
  'NaN',
  'Infinity',
  '-1',
  '0x10',
  'reserve',
  'debit',
  'SKU-1',
  'a'.repeat(64),
  'a'.repeat(65),
  '00000000-0000-0000-0000-000000000000',
];

/** Number tokens at and past every boundary the protocol has. */
export const HOSTILE_NUMBERS: readonly string[] = [
  '1e309',
  '-1e309',
  '-0',
  '0',
  '-1',
  '1.5',
  '1e-400',
  '1e2',
  '100.0',
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '123456789012345678901234567890',
  '2147483648',
  '99',
  '600001',
  '86400000',
];

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** A string: a known hostile one, or random UTF-16 (lone surrogates and control characters included). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
);

/** A key for a JSON object: prototype keys, duplicates of real fields, or anything. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
  fc.constantFrom('amount', 'accountId', 'sku', 'quantity', 'payload', 'branches', 'extra'),
  hostileString,
);

const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_NUMBERS).map((text) => new RawNumber(text)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: hostileNumber, weight: 3 },
  { arbitrary: fc.constantFrom(null, true, false), weight: 1 },
  // A huge number as a string, where a number belongs.
  { arbitrary: fc.constantFrom('9007199254740993', '1'.repeat(30)), weight: 1 },
);

/** Any hostile JSON value: leaves, arrays where objects belong, prototype keys, nesting past every limit. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    { arbitrary: hostileLeaf, weight: 6 },
    { arbitrary: fc.array(tie('value'), { maxLength: 3 }), weight: 1 },
    {
      arbitrary: fc
        .array(fc.tuple(hostileKey, tie('value')), { maxLength: 3 })
        .map((entries) => new Entries(entries)),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(9, 33, 40, 5000, 100_000),
          fc.constantFrom('[' as const, '{"a":' as const),
        )
        .map(([depth, open]) => new DeepText(depth, open)),
      weight: 1,
    },
  ),
})).value;

/** Where a mutation applies inside a template: a path of keys and indexes. */
type Path = readonly (string | number)[];

/** The children of a container (array, object, {@link Entries}); null for a leaf. */
function children(value: unknown): (readonly [string | number, unknown])[] | null {
  if (Array.isArray(value)) return value.map((child, index) => [index, child] as const);
  if (value instanceof Entries) return value.entries.map(([key, child]) => [key, child] as const);
  if (value instanceof RawNumber || value instanceof DeepText) return null;
  if (typeof value === 'object' && value !== null) return Object.entries(value);
  return null;
}

function paths(value: unknown, prefix: Path = []): Path[] {
  const below = (children(value) ?? []).flatMap(([key, child]) => paths(child, [...prefix, key]));
  return [prefix, ...below];
}

/** One change to a valid request body. */
export interface Mutation {
  at: number;
  kind: 'replace' | 'delete' | 'add-key' | 'wrap-in-array';
  key: string;
  value: unknown;
}

/** A mutation, to be applied at path number `at` (modulo the template's path count). */
export const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'replace', 'delete', 'add-key', 'wrap-in-array'),
  key: hostileKey,
  value: hostileValue,
});

// Entry keys are matched by position for Entries (keys may repeat), by name otherwise.
function applyAt(value: unknown, path: Path, change: (current: unknown) => unknown): unknown {
  if (path.length === 0) return change(value);
  const [head, ...rest] = path;
  const step = (key: string | number, child: unknown): unknown =>
    key === head ? applyAt(child, rest, change) : child;
  if (Array.isArray(value)) return value.map((child, index) => step(index, child));
  if (value instanceof Entries) {
    return new Entries(value.entries.map(([key, child]) => [key, step(key, child)] as const));
  }
  if (children(value) === null) return value;
  return Object.fromEntries(
    Object.entries(value as object).map(([key, child]) => [key, step(key, child)]),
  );
}

const DELETED = Symbol('deleted');

function dropDeleted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((child) => child !== DELETED).map(dropDeleted);
  if (value instanceof Entries) {
    return new Entries(
      value.entries
        .filter(([, child]) => child !== DELETED)
        .map(([key, child]) => [key, dropDeleted(child)] as const),
    );
  }
  if (children(value) === null) return value;
  return Object.fromEntries(
    Object.entries(value as object)
      .filter(([, child]) => child !== DELETED)
      .map(([key, child]) => [key, dropDeleted(child)]),
  );
}

/** Applies mutations to a valid template (plain JSON), giving a hostile value tree for {@link toJsonText}. */
export function mutate(template: unknown, mutations: readonly Mutation[]): unknown {
  let current = template;
  for (const { at, kind, key, value } of mutations) {
    const candidates = paths(current);
    const path = candidates[at % candidates.length];
    current = applyAt(current, path, (target) => {
      switch (kind) {
        case 'replace':
          return value;
        case 'delete':
          return path.length === 0 ? value : DELETED;
        case 'add-key': {
          const existing = children(target);
          return existing === null || Array.isArray(target)
            ? value
            : new Entries([...existing.map(([k, v]) => [String(k), v] as const), [key, value]]);
        }
        case 'wrap-in-array':
          return [target];
      }
    });
    current = dropDeleted(current);
  }
  return current;
}
