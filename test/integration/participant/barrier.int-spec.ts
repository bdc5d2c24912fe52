import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createHttpApp } from '@app/http';
import { TestDatabase, createTestDatabase } from '../../support/db';
import { CounterAppModule, businessCalls } from './counter';
import { SECRETS, branchKey, phaseCall } from './support';

describe('participant barrier', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('participant_barrier');
    app = await createHttpApp(CounterAppModule.forRoot({ url: db.url }), { logger: false });
    await app.listen(0, '127.0.0.1');
    dataSource = app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });
  beforeEach(() => {
    businessCalls.try = 0;
    businessCalls.confirm = 0;
    businessCalls.cancel = 0;
  });

  async function seedCounter(name: string, available: number): Promise<void> {
    await dataSource.query('INSERT INTO counters (name, available) VALUES ($1, $2)', [
      name,
      available,
    ]);
  }
  async function counter(name: string): Promise<{ available: number; held: number; used: number }> {
    const [row] = await dataSource.query<{ available: string; held: string; used: string }[]>(
      'SELECT available, held, used FROM counters WHERE name = $1',
      [name],
    );
    return { available: Number(row.available), held: Number(row.held), used: Number(row.used) };
  }
  async function barrierRows(transactionId: string): Promise<{ phase: string; outcome: string }[]> {
    return dataSource.query(
      'SELECT phase, outcome FROM tcc_barrier WHERE transaction_id = $1 ORDER BY phase',
      [transactionId],
    );
  }
  const call = (
    phase: string,
    key: { transactionId: string; branchId: string },
    payload: object,
    options = {},
  ) => phaseCall(app, 'counter', phase, { ...key, payload }, options);

  describe('try, confirm and cancel repeated', () => {
    it('runs a repeated try once and answers the stored outcome', async () => {
      await seedCounter('repeat-try', 10);
      const key = branchKey('repeat-try');
      const first = await call('try', key, { name: 'repeat-try', amount: 3 });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ outcome: 'ok', repeated: false });
      const again = await call('try', key, { name: 'repeat-try', amount: 3 });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ outcome: 'ok', repeated: true });
      expect(businessCalls.try).toBe(1);
      expect(await counter('repeat-try')).toEqual({ available: 7, held: 3, used: 0 });
    });

    it('applies a repeated confirm once', async () => {
      await seedCounter('repeat-confirm', 10);
      const key = branchKey('repeat-confirm');
      const payload = { name: 'repeat-confirm', amount: 4 };
      expect((await call('try', key, payload)).status).toBe(200);
      const first = await call('confirm', key, payload);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ outcome: 'confirmed', repeated: false });
      const again = await call('confirm', key, payload);
      expect(again.status).toBe(200);
      expect(again.body.repeated).toBe(true);
      expect(businessCalls.confirm).toBe(1);
      expect(await counter('repeat-confirm')).toEqual({ available: 6, held: 0, used: 4 });
    });

    it('releases a hold once on a repeated cancel', async () => {
      await seedCounter('repeat-cancel', 10);
      const key = branchKey('repeat-cancel');
      const payload = { name: 'repeat-cancel', amount: 4 };
      expect((await call('try', key, payload)).status).toBe(200);
      expect((await call('cancel', key, payload)).body).toEqual({
        outcome: 'cancelled',
        repeated: false,
      });
      expect((await call('cancel', key, payload)).body).toEqual({
        outcome: 'cancelled',
        repeated: true,
      });
      expect(businessCalls.cancel).toBe(1);
      expect(await counter('repeat-cancel')).toEqual({ available: 10, held: 0, used: 0 });
      expect(await barrierRows(key.transactionId)).toEqual([
        { phase: 'cancel', outcome: 'released' },
        { phase: 'try', outcome: 'ok' },
      ]);
    });
  });

  describe('empty cancel and late try', () => {
    it('answers a cancel whose try never arrived with 200 and refuses the late try', async () => {
      await seedCounter('empty-cancel', 10);
      const key = branchKey('empty-cancel');
      const payload = { name: 'empty-cancel', amount: 2 };
      const cancel = await call('cancel', key, payload);
      expect(cancel.status).toBe(200);
      expect(businessCalls.cancel).toBe(0);
      const lateTry = await call('try', key, payload);
      expect(lateTry.status).toBe(409);
      expect(lateTry.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(lateTry.body.code).toBe('TRY_CANCELLED');
      expect(businessCalls.try).toBe(0);
      expect(await counter('empty-cancel')).toEqual({ available: 10, held: 0, used: 0 });
      expect(await barrierRows(key.transactionId)).toEqual([
        { phase: 'cancel', outcome: 'empty' },
        { phase: 'try', outcome: 'cancelled-first' },
      ]);
    });
  });

  describe('deadline', () => {
    it('refuses a try that arrives after its X-TCC-Deadline, and keeps refusing it', async () => {
      await seedCounter('late-try', 10);
      const key = branchKey('late-try');
      const payload = { name: 'late-try', amount: 2 };
      const late = await call('try', key, payload, { deadline: Date.now() - 1000 });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('DEADLINE_PASSED');
      const again = await call('try', key, payload, { deadline: Date.now() + 60_000 });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('DEADLINE_PASSED');
      expect(businessCalls.try).toBe(0);
      expect((await call('cancel', key, payload)).status).toBe(200);
      expect(businessCalls.cancel).toBe(0);
      expect(await counter('late-try')).toEqual({ available: 10, held: 0, used: 0 });
    });

    it('answers 400 to a try whose deadline is not epoch milliseconds', async () => {
      const key = branchKey('bad-deadline');
      const res = await call('try', key, { name: 'x', amount: 1 }, { deadline: 'tomorrow' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('refused try', () => {
    it('stays refused when repeated, and its cancel and confirm change nothing', async () => {
      await seedCounter('refused', 1);
      const key = branchKey('refused');
      const payload = { name: 'refused', amount: 5 };
      const first = await call('try', key, payload);
      expect(first.status).toBe(409);
      expect(first.body).toMatchObject({
        code: 'INSUFFICIENT',
        detail: 'Counter refused has less than 5.',
        status: 409,
      });
      const again = await call('try', key, payload);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'INSUFFICIENT', detail: first.body.detail });
      expect(businessCalls.try).toBe(1);

      const confirm = await call('confirm', key, payload);
      expect(confirm.status).toBe(409);
      expect(confirm.body.code).toBe('NO_SUCCESSFUL_TRY');
      expect((await call('cancel', key, payload)).status).toBe(200);
      expect(businessCalls.cancel).toBe(0);
      expect(businessCalls.confirm).toBe(0);
      expect(await counter('refused')).toEqual({ available: 1, held: 0, used: 0 });
      expect(await barrierRows(key.transactionId)).toEqual([
        { phase: 'cancel', outcome: 'nothing-held' },
        { phase: 'try', outcome: 'refused' },
      ]);
    });
  });

  describe('confirm without a successful try', () => {
    it('answers 409 to a confirm whose try never arrived and writes nothing', async () => {
      await seedCounter('confirm-first', 10);
      const key = branchKey('confirm-first');
      const payload = { name: 'confirm-first', amount: 1 };
      const res = await call('confirm', key, payload);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('NO_SUCCESSFUL_TRY');
      expect(await barrierRows(key.transactionId)).toEqual([]);
      expect(businessCalls.confirm).toBe(0);
    });

    it('answers 409 to a confirm after a cancel', async () => {
      await seedCounter('confirm-after-cancel', 10);
      const key = branchKey('confirm-after-cancel');
      const payload = { name: 'confirm-after-cancel', amount: 3 };
      expect((await call('try', key, payload)).status).toBe(200);
      expect((await call('cancel', key, payload)).status).toBe(200);
      const confirm = await call('confirm', key, payload);
      expect(confirm.status).toBe(409);
      expect(confirm.body.code).toBe('NO_SUCCESSFUL_TRY');
      expect(businessCalls.confirm).toBe(0);
      expect(await counter('confirm-after-cancel')).toEqual({ available: 10, held: 0, used: 0 });
    });

    it('answers 409 to a cancel after a confirm, and a repeat stays refused', async () => {
      await seedCounter('cancel-after-confirm', 10);
      const key = branchKey('cancel-after-confirm');
      const payload = { name: 'cancel-after-confirm', amount: 3 };
      expect((await call('try', key, payload)).status).toBe(200);
      expect((await call('confirm', key, payload)).status).toBe(200);
      for (let attempt = 0; attempt < 2; attempt++) {
        const cancel = await call('cancel', key, payload);
        expect(cancel.status).toBe(409);
        expect(cancel.body.code).toBe('ALREADY_CONFIRMED');
      }
      expect(businessCalls.cancel).toBe(0);
      expect(await counter('cancel-after-confirm')).toEqual({ available: 7, held: 0, used: 3 });
      expect(await barrierRows(key.transactionId)).toEqual([
        { phase: 'confirm', outcome: 'confirmed' },
        { phase: 'try', outcome: 'ok' },
      ]);
    });
  });

  describe('races', () => {
    it('never leaves a hold behind when a try and a cancel of one branch race, 50 times', async () => {
      await seedCounter('try-cancel-race', 1000);
      const answers = { tryOk: 0, tryCancelled: 0 };
      for (let i = 0; i < 50; i++) {
        const key = branchKey('try-cancel-race');
        const payload = { name: 'try-cancel-race', amount: 1 };
        const calls = [call('try', key, payload), call('cancel', key, payload)];
        // Alternate which request is sent first so both orders are exercised.
        const [tried, cancelled] = await Promise.all(
          i % 2 === 0 ? calls : [...calls].reverse(),
        ).then((r) => (i % 2 === 0 ? r : r.reverse()));
        expect(cancelled.status).toBe(200);
        expect([200, 409]).toContain(tried.status);
        if (tried.status === 200) answers.tryOk += 1;
        else {
          expect(tried.body.code).toBe('TRY_CANCELLED');
          answers.tryCancelled += 1;
        }
      }
      expect(answers.tryOk + answers.tryCancelled).toBe(50);
      expect(await counter('try-cancel-race')).toEqual({ available: 1000, held: 0, used: 0 });
      const [{ held }] = await dataSource.query<{ held: string }[]>(
        "SELECT count(*) AS held FROM counter_holds WHERE name = 'try-cancel-race' AND state = 'HELD'",
      );
      expect(Number(held)).toBe(0);
    });

    it('never applies both a confirm and a cancel racing on one branch, 50 times', async () => {
      await seedCounter('confirm-cancel-race', 1000);
      for (let i = 0; i < 50; i++) {
        const key = branchKey('confirm-cancel-race');
        const payload = { name: 'confirm-cancel-race', amount: 1 };
        expect((await call('try', key, payload)).status).toBe(200);
        const [confirmed, cancelled] = await Promise.all([
          call('confirm', key, payload),
          call('cancel', key, payload),
        ]);
        // Whichever phase takes the try row's lock first wins; the other is refused.
        expect([confirmed.status, cancelled.status].sort()).toEqual([200, 409]);
      }
      const totals = await counter('confirm-cancel-race');
      expect(totals.held).toBe(0);
      const states = await dataSource.query<{ state: string; n: string }[]>(
        "SELECT state, count(*) AS n FROM counter_holds WHERE name = 'confirm-cancel-race' GROUP BY state",
      );
      const byState = Object.fromEntries(states.map((s) => [s.state, Number(s.n)]));
      expect((byState.CONFIRMED ?? 0) + (byState.CANCELLED ?? 0)).toBe(50);
      expect(byState.HELD).toBeUndefined();
      // Every unit is either used (confirmed) or back (cancelled), never both and never lost.
      expect(totals.used).toBe(byState.CONFIRMED ?? 0);
      expect(totals.available).toBe(1000 - totals.used);
    });
  });

  describe('signature', () => {
    const body = () => ({ ...branchKey('signature'), payload: { name: 'sig', amount: 1 } });

    it('answers 401 problem+json to a call without signature, before looking at the body', async () => {
      const res = await phaseCall(app, 'counter', 'try', { not: 'valid' }, { unsigned: true });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('BAD_SIGNATURE');
    });

    it('answers 401 to a signature made with an unknown secret', async () => {
      const res = await phaseCall(app, 'counter', 'try', body(), { secret: 'not-the-secret' });
      expect(res.status).toBe(401);
    });

    it('answers 401 when the body was changed after signing', async () => {
      const signed = body();
      const res = await phaseCall(app, 'counter', 'try', signed, {
        sentBody: JSON.stringify({ ...signed, payload: { name: 'sig', amount: 2 } }),
      });
      expect(res.status).toBe(401);
    });

    it('answers 401 when the deadline was changed after signing', async () => {
      const req = phaseCall(app, 'counter', 'try', body(), { deadline: Date.now() + 1000 });
      const res = await req.set('x-tcc-deadline', String(Date.now() + 3_600_000));
      expect(res.status).toBe(401);
    });

    it('answers 401 to timestamps more than 5 minutes in the past or the future', async () => {
      const past = await phaseCall(app, 'counter', 'try', body(), {
        timestamp: Date.now() - 6 * 60_000,
      });
      expect(past.status).toBe(401);
      const future = await phaseCall(app, 'counter', 'try', body(), {
        timestamp: Date.now() + 6 * 60_000,
      });
      expect(future.status).toBe(401);
    });

    it('accepts the previous secret during a rotation', async () => {
      await seedCounter('sig', 10);
      const res = await phaseCall(app, 'counter', 'try', body(), { secret: SECRETS.previous });
      expect(res.status).toBe(200);
    });
  });

  describe('validation', () => {
    it('answers 400 with every invalid payload field and never runs the try', async () => {
      const key = branchKey('bad-payload');
      const res = await call('try', key, { name: 7, amount: 0, extra: true });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'payload.amount',
        'payload.extra',
        'payload.name',
      ]);
      expect(businessCalls.try).toBe(0);
      expect(await barrierRows(key.transactionId)).toEqual([]);
    });

    it('answers 200 to the cancel and 409 to the confirm of an invalid payload', async () => {
      const key = branchKey('bad-payload-phase2');
      const cancel = await call('cancel', key, { amount: -1 });
      expect(cancel.status).toBe(200);
      const confirm = await call('confirm', key, { amount: -1 });
      expect(confirm.status).toBe(409);
      expect(confirm.body.code).toBe('NO_SUCCESSFUL_TRY');
      expect(businessCalls.cancel + businessCalls.confirm).toBe(0);
    });

    it('answers 400 to a malformed envelope', async () => {
      const tooLong = await phaseCall(app, 'counter', 'try', {
        transactionId: 'x'.repeat(129),
        branchId: 'b',
        payload: { name: 'a', amount: 1 },
      });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.errors[0].field).toBe('transactionId');
      const noPayload = await phaseCall(app, 'counter', 'try', {
        transactionId: 't',
        branchId: 'b',
      });
      expect(noPayload.status).toBe(400);
      const array = await phaseCall(app, 'counter', 'try', [1, 2]);
      expect(array.status).toBe(400);
    });

    it('answers 422 to an unknown action and 404 to an unknown phase', async () => {
      const payload = { ...branchKey('unknown'), payload: { name: 'a', amount: 1 } };
      const action = await phaseCall(app, 'nope', 'try', payload);
      expect(action.status).toBe(422);
      expect(action.body.code).toBe('UNKNOWN_ACTION');
      expect(action.headers['content-type']).toMatch(/application\/problem\+json/);
      const phase = await phaseCall(app, 'counter', 'commit', payload);
      expect(phase.status).toBe(404);
    });
  });

  describe('failures', () => {
    it('answers 500 and keeps nothing when the business code fails unexpectedly', async () => {
      await seedCounter('explode', 10);
      const key = branchKey('explode');
      const failed = await call('try', key, { name: 'explode', amount: 2, explode: true });
      expect(failed.status).toBe(500);
      expect(await barrierRows(key.transactionId)).toEqual([]);
      expect(await counter('explode')).toEqual({ available: 10, held: 0, used: 0 });
      const retried = await call('try', key, { name: 'explode', amount: 2 });
      expect(retried.status).toBe(200);
      expect(await counter('explode')).toEqual({ available: 8, held: 2, used: 0 });
    });
  });
});
