import * as fc from 'fast-check';
import { HOSTILE_STRINGS, hostileString, hostileValue, mutation, mutate } from './hostile';

/** The app a case is sent to. */
export type Target = 'coordinator' | 'inventory' | 'account';

/** Which bearer token a case presents: a real one, none, a wrong one, or a near miss of the API key. */
export type Credential = 'api-key' | 'admin-token' | 'none' | 'wrong' | 'near-miss' | 'malformed';

/** How a signed call (phase call, registration) is signed. */
export type Signature =
  | 'valid'
  | 'wrong-secret'
  | 'missing'
  | 'stale'
  | 'future'
  | 'garbage'
  | 'other-body'
  | 'upper-case-hex';

/** Who may call an endpoint, as the contract says; decides which answers are allowed. */
export type Access = 'public' | 'client' | 'admin' | 'signed' | 'signed-client' | 'unknown';

/**
 * One generated request, declarative so fast-check can print and shrink it.
 * Placeholders are resolved when it runs: `$trying` and `$finished` in the
 * path (a transaction in that state), `"$tx"` and `"$branch"` in the body
 * (fresh UUIDs).
 */
export interface FuzzCase {
  target: Target;
  /** What the case exercises, for the failure message. */
  endpoint: string;
  access: Access;
  method: string;
  /** Path segments, each already percent-encoded, or a placeholder. */
  path: string[];
  query: string;
  credential: Credential;
  headers: Record<string, string>;
  /** A hostile value tree (see hostile.ts), raw text, or nothing. */
  body: { tree: unknown } | { text: string } | null;
  /** Signature of a signed endpoint; the path it covers is the request's. */
  signature?: Signature;
  /** `X-TCC-Deadline` of a phase call: `none`, `future`, `past`, or sent as written. */
  deadline?: string;
}

function percent(bytes: Buffer): string {
  return [...bytes].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/**
 * Percent-encodes a path segment or query value. A lone surrogate, which
 * encodeURIComponent refuses, goes out as its three (invalid UTF-8) bytes.
 */
export function encodeSegment(text: string): string {
  let out = '';
  for (const char of text) {
    if (/\p{Cs}/u.test(char)) {
      const unit = char.charCodeAt(0);
      out += percent(
        Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]),
      );
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Path segments sent as they are: traversal, broken escapes, encoded separators. */
const RAW_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '..%2f..%2fpackage.json',
  '%E0%A4%A',
  '%',
  '%00',
  'a%2Fb',
  '',
  '%C0%AE%C0%AE',
];

const segment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileString.map(encodeSegment), weight: 4 },
  { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
  { arbitrary: fc.uuid().map((id) => id), weight: 1 },
);

/** A transaction id in a path: a real one in a known state, an unknown UUID, or anything. */
const transactionSegment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('$trying', '$finished'), weight: 3 },
  { arbitrary: fc.uuid(), weight: 1 },
  { arbitrary: fc.uuid().map((id) => id.toUpperCase()), weight: 1 },
  { arbitrary: segment, weight: 2 },
);

// Header values must be Latin-1 without control characters, or node:http refuses to send them.
const headerText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS.filter((s) => /^[\x20-\x7e]{0,300}$/.test(s))),
  fc.string({
    unit: fc
      .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
      .map((code) => String.fromCharCode(code)),
    maxLength: 60,
  }),
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/problem+json',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
];

const HEADER_VALUES: Record<string, fc.Arbitrary<string>> = {
  'idempotency-key': headerText,
  'x-request-id': headerText,
  'content-type': fc.constantFrom(...CONTENT_TYPES),
  'x-tcc-timestamp': headerText,
  'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
  // Expanded to 20 KiB when the case runs, so a failing case prints short.
  'x-oversized': fc.constant('$oversized'),
  'x-fuzz': headerText,
};

/**
 * Extra headers: mostly none, often one, sometimes several (idempotency
 * keys, request ids, content types and encodings, a value past 16 KiB);
 * more would keep most requests from ever reaching a route.
 */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { arbitrary: fc.constant({}), weight: 6 },
  {
    arbitrary: fc
      .constantFrom(...Object.keys(HEADER_VALUES).filter((name) => name !== 'x-oversized'))
      .chain((name) => HEADER_VALUES[name].map((value) => ({ [name]: value }))),
    weight: 3,
  },
  {
    arbitrary: fc.record(HEADER_VALUES, { requiredKeys: [] }).map((headers) => {
      const present: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) if (value) present[name] = value;
      return present;
    }),
    weight: 1,
  },
);

const credential = (usual: Credential): fc.Arbitrary<Credential> =>
  fc.oneof(
    { arbitrary: fc.constant(usual), weight: 6 },
    {
      arbitrary: fc.constantFrom<Credential>(
        'api-key',
        'admin-token',
        'none',
        'wrong',
        'near-miss',
        'malformed',
      ),
      weight: 2,
    },
  );

/** A body: the valid template changed by up to three mutations, or anything at all. */
const bodyFrom = (template: unknown): fc.Arbitrary<FuzzCase['body']> =>
  fc.oneof(
    { arbitrary: fc.constant({ tree: template }), weight: 1 },
    {
      arbitrary: fc
        .array(mutation, { minLength: 1, maxLength: 3 })
        .map((changes) => ({ tree: mutate(template, changes) })),
      weight: 8,
    },
    { arbitrary: hostileValue.map((tree) => ({ tree })), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        { text: '{"branches": [' },
        { text: 'not json' },
        { text: '' },
        { text: '\u0000' },
        { text: 'null' },
        { text: `{"padding":"${'x'.repeat(300 * 1024)}"}` },
        { text: '{"a":1,"a":2}' },
      ),
      weight: 1,
    },
  );

const withBody = (base: Omit<FuzzCase, 'body' | 'headers'>, template: unknown) =>
  fc
    .record({ body: bodyFrom(template), headers: extraHeaders })
    .map(({ body, headers }): FuzzCase => ({ ...base, body, headers }));

const query: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('status', 'stuck', 'participant', 'limit', 'cursor', 'from', 'to', 'q'),
        hostileString,
      ),
      fc.oneof(
        fc.constantFrom('TRYING', 'CANCELLED', 'true', 'false', 'account', '1', '100', '101', '0'),
        fc.constantFrom('2026-01-01T00:00:00Z', '275760-09-13T00:00:00Z', 'eyJ4IjoxfQ'),
        hostileString,
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length === 0
      ? ''
      : `?${pairs.map(([key, value]) => `${encodeSegment(key)}=${encodeSegment(value)}`).join('&')}`,
  );

// --- valid templates, the starting points of mutation ---------------------------------

const transferTemplate = {
  branches: [
    { participant: 'account', action: 'debit', payload: { accountId: 'fz-a', amount: 3 } },
    { participant: 'account', action: 'credit', payload: { accountId: 'fz-b', amount: 3 } },
  ],
  timeoutMs: 10000,
  autoCommit: true,
};
const purchaseTemplate = {
  branches: [
    {
      participant: 'inventory',
      action: 'reserve',
      payload: { sku: 'FZ-SKU', quantity: 1, orderId: 'fz-order' },
    },
    { participant: 'account', action: 'debit', payload: { accountId: 'fz-b', amount: 5 } },
    { participant: 'account', action: 'credit', payload: { accountId: 'fz-a', amount: 5 } },
  ],
};
const interactiveTemplate = { branches: [], autoCommit: false, timeoutMs: 60000 };
const branchTemplate = {
  participant: 'account',
  action: 'credit',
  payload: { accountId: 'fz-a', amount: 2 },
};
const registrationTemplate = (name: string) => ({
  name,
  baseUrl: 'http://127.0.0.1:9/fuzz',
  actions: ['poke'],
});

const PAYLOADS: Record<string, unknown> = {
  reserve: { sku: 'FZ-SKU', quantity: 1 },
  debit: { accountId: 'fz-a', amount: 1 },
  credit: { accountId: 'fz-b', amount: 1 },
};

// --- coordinator ------------------------------------------------------------------------

const begin = fc
  .tuple(
    fc.constantFrom(transferTemplate, purchaseTemplate, interactiveTemplate),
    credential('api-key'),
  )
  .chain(([template, cred]) =>
    withBody(
      {
        target: 'coordinator',
        endpoint: 'POST /v1/transactions',
        access: 'client',
        method: 'POST',
        path: ['v1', 'transactions'],
        query: '',
        credential: cred,
      },
      template,
    ),
  );

const list = fc
  .record({ query, credential: credential('api-key'), headers: extraHeaders })
  .map(({ query: q, credential: cred, headers }): FuzzCase => ({
    target: 'coordinator',
    endpoint: 'GET /v1/transactions',
    access: 'client',
    method: 'GET',
    path: ['v1', 'transactions'],
    query: q,
    credential: cred,
    headers,
    body: null,
  }));

const readOne = fc
  .record({ id: transactionSegment, credential: credential('api-key'), headers: extraHeaders })
  .map(({ id, credential: cred, headers }): FuzzCase => ({
    target: 'coordinator',
    endpoint: 'GET /v1/transactions/:id',
    access: 'client',
    method: 'GET',
    path: ['v1', 'transactions', id],
    query: '',
    credential: cred,
    headers,
    body: null,
  }));

const addBranch = fc.tuple(transactionSegment, credential('api-key')).chain(([id, cred]) =>
  withBody(
    {
      target: 'coordinator',
      endpoint: 'POST /v1/transactions/:id/branches',
      access: 'client',
      method: 'POST',
      path: ['v1', 'transactions', id, 'branches'],
      query: '',
      credential: cred,
    },
    branchTemplate,
  ),
);

const decide = fc
  .tuple(transactionSegment, fc.constantFrom('confirm', 'cancel'), credential('api-key'))
  .chain(([id, decision, cred]) =>
    withBody(
      {
        target: 'coordinator',
        endpoint: `POST /v1/transactions/:id/${decision}`,
        access: 'client',
        method: 'POST',
        path: ['v1', 'transactions', id, decision],
        query: '',
        credential: cred,
      },
      {},
    ),
  );

const register = fc
  .tuple(
    fc.constantFrom<Signature>(
      'valid',
      'valid',
      'valid',
      'wrong-secret',
      'missing',
      'stale',
      'other-body',
    ),
    credential('api-key'),
    fc.nat({ max: 999 }),
  )
  .chain(([signature, cred, n]) =>
    withBody(
      {
        target: 'coordinator',
        endpoint: 'POST /v1/participants',
        access: 'signed-client',
        method: 'POST',
        path: ['v1', 'participants'],
        query: '',
        credential: cred,
        signature,
      },
      registrationTemplate(`fuzz-${n}`),
    ),
  );

const admin = fc
  .tuple(
    transactionSegment,
    fc.constantFrom('retry', 'cancel', 'resolve'),
    credential('admin-token'),
  )
  .chain(([id, action, cred]) =>
    withBody(
      {
        target: 'coordinator',
        endpoint: `POST /v1/admin/transactions/:id/${action}`,
        access: 'admin',
        method: 'POST',
        path: ['v1', 'admin', 'transactions', id, action],
        query: '',
        credential: cred,
      },
      action === 'resolve' ? { note: 'settled by the fuzzer' } : {},
    ),
  );

const readOnly = fc
  .record({
    route: fc.constantFrom<[string, string, Access]>(
      ['GET', 'v1/participants', 'client'],
      ['GET', 'v1/admin/session', 'admin'],
      ['GET', 'v1/admin/stats', 'admin'],
      ['GET', 'health', 'public'],
      ['GET', 'health/ready', 'public'],
      ['GET', 'metrics', 'public'],
      ['GET', 'docs-json', 'public'],
      ['GET', 'admin/index.html', 'public'],
    ),
    credential: credential('api-key'),
    headers: extraHeaders,
  })
  .map(({ route: [method, path, access], credential: cred, headers }): FuzzCase => ({
    target: 'coordinator',
    endpoint: `${method} /${path}`,
    access,
    method,
    path: path.split('/'),
    query: '',
    credential: cred,
    headers,
    body: null,
  }));

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'FOO',
];
const PREFIXES = [
  ['v1', 'transactions'],
  ['v1', 'admin'],
  ['v1', 'admin', 'transactions'],
  ['v1', 'participants'],
  ['admin'],
  ['docs'],
  ['tcc', 'reserve'],
  ['stock'],
  ['accounts'],
  ['orders'],
  [],
];

/** Any method on any path under the known prefixes, for every app: never a 5xx. */
const anywhere = fc
  .record({
    target: fc.constantFrom<Target>('coordinator', 'inventory', 'account'),
    method: fc.constantFrom(...METHODS),
    prefix: fc.constantFrom(...PREFIXES),
    rest: fc.array(segment, { maxLength: 3 }),
    query,
    credential: credential('api-key'),
    body: fc.option(
      hostileValue.map((tree) => ({ tree })),
      { nil: null },
    ),
    headers: extraHeaders,
  })
  .map(({ target, method, prefix, rest, query: q, credential: cred, body, headers }): FuzzCase => ({
    target,
    endpoint: 'any method, any path',
    access: 'unknown',
    method,
    path: [...prefix, ...rest],
    query: q,
    credential: cred,
    headers,
    body,
  }));

// --- participants: business endpoints ----------------------------------------------------

const skuSegment = fc.oneof(
  fc.constantFrom('FZ-SKU', 'FZ-NEW'),
  fc.nat({ max: 9999 }).map((n) => `FZ-${n}`),
  segment,
);
const accountSegment = fc.oneof(
  fc.constantFrom('fz-a', 'fz-b', 'fz-new'),
  fc.nat({ max: 9999 }).map((n) => `fz-${n}`),
  segment,
);

const stockWrite = fc
  .tuple(skuSegment, fc.constantFrom('create', 'restock'), credential('admin-token'))
  .chain(([sku, kind, cred]) =>
    withBody(
      {
        target: 'inventory',
        endpoint: kind === 'create' ? 'PUT /stock/:sku' : 'POST /stock/:sku/restock',
        access: 'admin',
        method: kind === 'create' ? 'PUT' : 'POST',
        path: kind === 'create' ? ['stock', sku] : ['stock', sku, 'restock'],
        query: '',
        credential: cred,
      },
      kind === 'create' ? { available: 7 } : { quantity: 3 },
    ),
  );

const accountWrite = fc.tuple(accountSegment, credential('admin-token')).chain(([id, cred]) =>
  withBody(
    {
      target: 'account',
      endpoint: 'PUT /accounts/:id',
      access: 'admin',
      method: 'PUT',
      path: ['accounts', id],
      query: '',
      credential: cred,
    },
    { balance: 100 },
  ),
);

const participantRead = fc
  .record({
    route: fc.constantFrom<[Target, string]>(
      ['inventory', 'stock'],
      ['inventory', 'orders'],
      ['account', 'accounts'],
    ),
    id: fc.oneof(skuSegment, accountSegment),
    credential: credential('api-key'),
    headers: extraHeaders,
  })
  .map(({ route: [target, resource], id, credential: cred, headers }): FuzzCase => ({
    target,
    endpoint: `GET /${resource}/:id`,
    access: 'client',
    method: 'GET',
    path: [resource, id],
    query: '',
    credential: cred,
    headers,
    body: null,
  }));

// --- participants: signed phase calls ----------------------------------------------------

const phaseCall = fc
  .record({
    target: fc.constantFrom<Target>('inventory', 'account'),
    action: fc.oneof(
      { arbitrary: fc.constantFrom('reserve', 'debit', 'credit'), weight: 6 },
      { arbitrary: segment, weight: 1 },
    ),
    phase: fc.oneof(
      { arbitrary: fc.constantFrom('try', 'confirm', 'cancel'), weight: 6 },
      { arbitrary: segment, weight: 1 },
    ),
    signature: fc.oneof(
      { arbitrary: fc.constant<Signature>('valid'), weight: 6 },
      {
        arbitrary: fc.constantFrom<Signature>(
          'wrong-secret',
          'missing',
          'stale',
          'future',
          'garbage',
          'other-body',
          'upper-case-hex',
        ),
        weight: 2,
      },
    ),
    deadline: fc.oneof(
      fc.constantFrom('none', 'future', 'future', 'past'),
      fc.constantFrom('9'.repeat(17), '-1', '1e3', '', ' 1', '0x10'),
    ),
    credential: fc.constantFrom<Credential>('none', 'none', 'api-key', 'wrong'),
  })
  .chain(({ target, action, phase, signature, deadline, credential: cred }) =>
    withBody(
      {
        target,
        endpoint: `POST /tcc/:action/:phase (${target})`,
        access: 'signed',
        method: 'POST',
        path: ['tcc', action, phase],
        query: '',
        credential: cred,
        signature,
        deadline,
      },
      {
        transactionId: '$tx',
        branchId: '$branch',
        payload: PAYLOADS[action] ?? { anything: true },
      },
    ),
  );

/** Every endpoint of the three apps, weighted towards the ones that write. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { arbitrary: begin, weight: 6 },
  { arbitrary: addBranch, weight: 4 },
  { arbitrary: decide, weight: 2 },
  { arbitrary: list, weight: 2 },
  { arbitrary: readOne, weight: 1 },
  { arbitrary: register, weight: 2 },
  { arbitrary: admin, weight: 3 },
  { arbitrary: readOnly, weight: 1 },
  { arbitrary: anywhere, weight: 3 },
  { arbitrary: stockWrite, weight: 3 },
  { arbitrary: accountWrite, weight: 2 },
  { arbitrary: participantRead, weight: 2 },
  { arbitrary: phaseCall, weight: 8 },
);
