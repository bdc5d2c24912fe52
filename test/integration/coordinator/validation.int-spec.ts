import { createTestDatabase, TestDatabase } from '../../support/db';
import { Coordinator, queryLog, startCoordinator, startParticipant } from './support/harness';
import { StubParticipant } from './support/stub-participant';

const branch = (payload: unknown = { sku: 'S', quantity: 1 }) => ({
  participant: 'inventory',
  action: 'reserve',
  payload,
});

function nested(depth: number): Record<string, unknown> {
  return depth === 1 ? { leaf: true } : { child: nested(depth - 1) };
}

type Case = [name: string, body: unknown, status: number, code: string];

/** Reorders a case so the test name shows the expected status and code. */
const named = (cases: Case[]) =>
  cases.map(([name, body, status, code]) => [name, status, code, body] as const);

const CASES: Case[] = [
  ['branches not a list', { branches: 'x' }, 400, 'VALIDATION_FAILED'],
  ['branches null', { branches: null, autoCommit: false }, 400, 'VALIDATION_FAILED'],
  ['a branch that is not an object', { branches: [1] }, 400, 'VALIDATION_FAILED'],
  [
    'participant of the wrong type',
    { branches: [{ ...branch(), participant: 7 }] },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'action missing',
    { branches: [{ participant: 'inventory', payload: {} }] },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'payload missing',
    { branches: [{ participant: 'inventory', action: 'reserve' }] },
    400,
    'VALIDATION_FAILED',
  ],
  ['payload a list', { branches: [branch([1, 2])] }, 400, 'VALIDATION_FAILED'],
  ['payload a string', { branches: [branch('sku')] }, 400, 'VALIDATION_FAILED'],
  ['payload null', { branches: [branch(null)] }, 400, 'VALIDATION_FAILED'],
  ['payload nested 9 deep', { branches: [branch(nested(9))] }, 400, 'VALIDATION_FAILED'],
  [
    'payload over 16 KiB',
    { branches: [branch({ blob: 'x'.repeat(17 * 1024) })] },
    400,
    'VALIDATION_FAILED',
  ],
  [
    '51 branches',
    { branches: Array.from({ length: 51 }, () => branch()) },
    400,
    'VALIDATION_FAILED',
  ],
  ['no branches with autoCommit', { branches: [] }, 400, 'VALIDATION_FAILED'],
  ['timeoutMs 99', { branches: [branch()], timeoutMs: 99 }, 400, 'VALIDATION_FAILED'],
  [
    'timeoutMs above the maximum',
    { branches: [branch()], timeoutMs: 600_001 },
    400,
    'VALIDATION_FAILED',
  ],
  ['timeoutMs fractional', { branches: [branch()], timeoutMs: 1000.5 }, 400, 'VALIDATION_FAILED'],
  ['timeoutMs a string', { branches: [branch()], timeoutMs: '1000' }, 400, 'VALIDATION_FAILED'],
  ['autoCommit a string', { branches: [branch()], autoCommit: 'yes' }, 400, 'VALIDATION_FAILED'],
  ['an unknown field', { branches: [branch()], priority: 1 }, 400, 'VALIDATION_FAILED'],
  ['a body that is a list', [branch()], 400, 'VALIDATION_FAILED'],
  [
    'an unknown participant',
    { branches: [{ ...branch(), participant: 'nobody' }] },
    422,
    'UNKNOWN_PARTICIPANT',
  ],
  ['an unknown action', { branches: [{ ...branch(), action: 'steal' }] }, 422, 'UNKNOWN_ACTION'],
];

const BRANCH_CASES: Case[] = [
  ['a body that is not an object', 1, 400, 'MALFORMED_JSON'],
  ['participant of the wrong type', { ...branch(), participant: 7 }, 400, 'VALIDATION_FAILED'],
  ['action missing', { participant: 'inventory', payload: {} }, 400, 'VALIDATION_FAILED'],
  ['payload a list', branch([1]), 400, 'VALIDATION_FAILED'],
  ['payload null', branch(null), 400, 'VALIDATION_FAILED'],
  ['payload nested 9 deep', branch(nested(9)), 400, 'VALIDATION_FAILED'],
  ['payload over 16 KiB', branch({ blob: 'x'.repeat(17 * 1024) }), 400, 'VALIDATION_FAILED'],
  ['an unknown field', { ...branch(), note: 'x' }, 400, 'VALIDATION_FAILED'],
  ['an unknown participant', { ...branch(), participant: 'nobody' }, 422, 'UNKNOWN_PARTICIPANT'],
  ['an unknown action', { ...branch(), action: 'steal' }, 422, 'UNKNOWN_ACTION'],
];

describe('coordinator: bad input', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let inventory: StubParticipant;
  let trying: string;

  const counts = async () =>
    (
      await queryLog<{ counts: string }>(
        db.url,
        `SELECT (SELECT count(*) FROM transactions) || '/' || (SELECT count(*) FROM branches)
           || '/' || (SELECT count(*) FROM events) AS counts`,
      )
    )[0].counts;

  beforeAll(async () => {
    db = await createTestDatabase('coord_validation');
    coordinator = await startCoordinator(db.url);
    inventory = await startParticipant(coordinator.api, 'inventory', ['reserve']);
    const begun = await coordinator.api.post('/v1/transactions', { autoCommit: false });
    trying = begun.body.id as string;
  });

  afterAll(async () => {
    await coordinator?.close();
    await inventory?.stop();
    await db?.drop();
  });

  it.each(named(CASES))(
    'POST /v1/transactions with %s → %d %s, nothing written',
    async (_name, status, code, body) => {
      const before = await counts();
      const answer = await coordinator.api.post('/v1/transactions', body);
      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(answer.body.code).toBe(code);
      expect(await counts()).toBe(before);
      expect(inventory.calls).toHaveLength(0);
    },
  );

  it.each(named(BRANCH_CASES))(
    'POST /v1/transactions/:id/branches with %s → %d %s, nothing written',
    async (_name, status, code, body) => {
      const before = await counts();
      const answer = await coordinator.api.post(`/v1/transactions/${trying}/branches`, body);
      expect(answer.status).toBe(status);
      expect(answer.body.code).toBe(code);
      expect(await counts()).toBe(before);
      expect(inventory.calls).toHaveLength(0);
    },
  );

  it('answers malformed JSON with 400, a body not sent as JSON with 415, and one over 256 KiB with 413', async () => {
    const before = await counts();
    const malformed = await coordinator.api.request('POST', '/v1/transactions', {
      raw: '{"branches": [',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    const notJson = await coordinator.api.request('POST', '/v1/transactions', {
      raw: 'branches=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.status).toBe(415);
    expect(notJson.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(notJson.body.detail).toContain('Content-Type: application/json');
    const nullBody = await coordinator.api.request('POST', '/v1/transactions', { raw: 'null' });
    expect(nullBody.status).toBe(400);
    const huge = await coordinator.api.request('POST', '/v1/transactions', {
      raw: JSON.stringify({ branches: [branch({ blob: 'x'.repeat(300 * 1024) })] }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    const badKey = await coordinator.api.post(
      '/v1/transactions',
      { branches: [branch()] },
      {
        'idempotency-key': 'k'.repeat(300),
      },
    );
    expect(badKey.status).toBe(400);
    expect(await counts()).toBe(before);
  });

  it('leaves amounts to the participant: odd numbers reach it, and its 400 cancels the transaction', async () => {
    inventory.behaviour = () => ({
      status: 400,
      body: { code: 'VALIDATION_FAILED', detail: 'quantity must be an integer from 1 to 2^53-1' },
    });
    for (const quantity of [0, -1, 1.5, 2 ** 53]) {
      const answer = await coordinator.api.post('/v1/transactions', {
        branches: [branch({ sku: 'S', quantity })],
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'CANCELLED', reasonCode: 'VALIDATION_FAILED' });
      expect(inventory.callsOf('try', answer.body.branches[0].id)[0].payload.quantity).toBe(
        quantity,
      );
    }
  });
});
