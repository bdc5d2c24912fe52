import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createHttpApp } from '@app/http';
import {
  PHASE_BATCH_PATH,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  PhaseBatchItem,
  PhaseBatchResult,
  signCall,
} from '@app/protocol';
import { TestDatabase, createTestDatabase } from '../../support/db';
import { CounterAppModule, businessCalls } from './counter';
import { SECRETS, branchKey } from './support';

type Key = { transactionId: string; branchId: string };

describe('participant batch endpoint (POST /tcc/batch)', () => {
  let db: TestDatabase;
  /** Its groups wait for locks as long as it takes, so a test can catch a group waiting. */
  let app: NestExpressApplication;
  /** The SDK's default: a phase of a group waits for a lock for 50 ms at most. */
  let boundedApp: NestExpressApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('participant_batch');
    app = await createHttpApp(CounterAppModule.forRoot({ url: db.url, batchLockWaitMs: 0 }), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    boundedApp = await createHttpApp(CounterAppModule.forRoot({ url: db.url }), {
      logger: false,
    });
    await boundedApp.listen(0, '127.0.0.1');
    dataSource = app.get(DataSource);
  });
  afterAll(async () => {
    await boundedApp?.close();
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

  /** Sends a batch signed the way the coordinator signs it. */
  function sendBatch(
    body: unknown,
    secret = SECRETS.current,
    to: NestExpressApplication = app,
  ): request.Test {
    const raw = JSON.stringify(body);
    const timestamp = String(Date.now());
    const signature = signCall(secret, {
      timestamp,
      method: 'POST',
      path: PHASE_BATCH_PATH,
      deadline: '',
      body: raw,
    });
    return request(to.getHttpServer())
      .post(PHASE_BATCH_PATH)
      .set('content-type', 'application/json')
      .set(TIMESTAMP_HEADER, timestamp)
      .set(SIGNATURE_HEADER, signature)
      .send(raw);
  }
  async function batch(
    items: PhaseBatchItem[],
    to: NestExpressApplication = app,
  ): Promise<PhaseBatchResult[]> {
    const res = await sendBatch({ items }, SECRETS.current, to);
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(items.length);
    return res.body.results as PhaseBatchResult[];
  }
  const item = (
    phase: string,
    key: Key,
    payload: object,
    extra: Partial<PhaseBatchItem> = {},
  ): PhaseBatchItem => ({
    action: 'counter',
    phase,
    ...(phase === 'try' ? { deadline: Date.now() + 60_000 } : {}),
    body: { ...key, payload: payload as Record<string, unknown> },
    ...extra,
  });
  /** A result as `status code` or `status outcome [again]`, to compare whole batches at a glance. */
  const summary = (result: PhaseBatchResult): string => {
    const body = result.body as { code?: string; outcome?: string; repeated?: boolean };
    if (result.status !== 200) return `${result.status} ${body.code}`;
    return `200 ${body.outcome}${body.repeated ? ' again' : ''}`;
  };

  /** An outside transaction holding a counter's row lock until `end()`. */
  async function lockCounter(name: string) {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('SELECT 1 FROM counters WHERE name = $1 FOR UPDATE', [name]);
    return {
      runner,
      end: async () => {
        await runner.commitTransaction();
        await runner.release();
      },
    };
  }
  /** Pids of the sessions of this database waiting on a lock, once there are `count`. */
  async function waitingOnLocks(count: number): Promise<number[]> {
    for (;;) {
      const rows = await dataSource.query<{ pid: number }[]>(
        `SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (rows.length >= count) return rows.map((row) => row.pid);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  describe('repeats', () => {
    it('runs a try once within one batch and across batches', async () => {
      await seedCounter('batch-repeat-try', 10);
      const key = branchKey('batch-repeat-try');
      const payload = { name: 'batch-repeat-try', amount: 3 };
      const first = await batch([item('try', key, payload), item('try', key, payload)]);
      expect(first.map(summary)).toEqual(['200 ok', '200 ok again']);
      const second = await batch([item('try', key, payload)]);
      expect(second.map(summary)).toEqual(['200 ok again']);
      expect(businessCalls.try).toBe(1);
      expect(await counter('batch-repeat-try')).toEqual({ available: 7, held: 3, used: 0 });
    });

    it('applies confirms once and cancels once, within one batch and across batches', async () => {
      await seedCounter('batch-repeat-settle', 10);
      const [toConfirm, toCancel] = [branchKey('batch-confirm'), branchKey('batch-cancel')];
      const payload = { name: 'batch-repeat-settle', amount: 2 };
      expect(
        (await batch([item('try', toConfirm, payload), item('try', toCancel, payload)])).map(
          summary,
        ),
      ).toEqual(['200 ok', '200 ok']);
      const settled = await batch([
        item('confirm', toConfirm, payload),
        item('cancel', toCancel, payload),
        item('confirm', toConfirm, payload),
        item('cancel', toCancel, payload),
      ]);
      expect(settled.map(summary)).toEqual([
        '200 confirmed',
        '200 cancelled',
        '200 confirmed again',
        '200 cancelled again',
      ]);
      const crossed = await batch([
        item('cancel', toConfirm, payload),
        item('confirm', toCancel, payload),
        item('confirm', toConfirm, payload),
      ]);
      expect(crossed.map(summary)).toEqual([
        '409 ALREADY_CONFIRMED',
        '409 NO_SUCCESSFUL_TRY',
        '200 confirmed again',
      ]);
      expect(businessCalls).toEqual({ try: 2, confirm: 1, cancel: 1 });
      expect(await counter('batch-repeat-settle')).toEqual({ available: 8, held: 0, used: 2 });
    });
  });

  describe('empty cancel', () => {
    it('refuses the late try in the same batch and in a later one', async () => {
      await seedCounter('batch-empty-cancel', 10);
      const key = branchKey('batch-empty-cancel');
      const payload = { name: 'batch-empty-cancel', amount: 2 };
      const answers = await batch([item('cancel', key, payload), item('try', key, payload)]);
      expect(answers.map(summary)).toEqual(['200 cancelled', '409 TRY_CANCELLED']);
      expect((await batch([item('try', key, payload)])).map(summary)).toEqual([
        '409 TRY_CANCELLED',
      ]);
      expect(businessCalls.try + businessCalls.cancel).toBe(0);
      expect(await barrierRows(key.transactionId)).toEqual([
        { phase: 'cancel', outcome: 'empty' },
        { phase: 'try', outcome: 'cancelled-first' },
      ]);
      expect(await counter('batch-empty-cancel')).toEqual({ available: 10, held: 0, used: 0 });
    });

    it('releases a try followed by its cancel in the same batch', async () => {
      await seedCounter('batch-try-cancel', 10);
      const key = branchKey('batch-try-cancel');
      const payload = { name: 'batch-try-cancel', amount: 4 };
      const answers = await batch([item('try', key, payload), item('cancel', key, payload)]);
      expect(answers.map(summary)).toEqual(['200 ok', '200 cancelled']);
      expect(await counter('batch-try-cancel')).toEqual({ available: 10, held: 0, used: 0 });
      expect(await barrierRows(key.transactionId)).toEqual([
        { phase: 'cancel', outcome: 'released' },
        { phase: 'try', outcome: 'ok' },
      ]);
    });
  });

  describe('deadline', () => {
    it('refuses a late try of a batch and keeps that refusal, its neighbour unaffected', async () => {
      await seedCounter('batch-late', 10);
      const [late, onTime] = [branchKey('batch-late'), branchKey('batch-on-time')];
      const payload = { name: 'batch-late', amount: 1 };
      const answers = await batch([
        item('try', late, payload, { deadline: Date.now() - 1000 }),
        item('try', onTime, payload),
      ]);
      expect(answers.map(summary)).toEqual(['409 DEADLINE_PASSED', '200 ok']);
      expect((await batch([item('try', late, payload)])).map(summary)).toEqual([
        '409 DEADLINE_PASSED',
      ]);
      expect(await counter('batch-late')).toEqual({ available: 9, held: 1, used: 0 });
    });
  });

  describe('neighbours', () => {
    it("answers each item as its single call: one item's refusal, bad payload or failure changes no other", async () => {
      await seedCounter('batch-neighbours', 10);
      const keys = Array.from({ length: 7 }, (_, i) => branchKey(`batch-neighbour-${i}`));
      const good = { name: 'batch-neighbours', amount: 2 };
      const answers = await batch([
        item('try', keys[0], good),
        item('try', keys[1], { name: 'batch-neighbours', amount: 100 }),
        item('try', keys[2], { name: 7, amount: 0 }),
        item('try', keys[3], { ...good, explode: true }),
        item('try', keys[4], good, { action: 'nope' }),
        { action: 'counter', phase: 'try', deadline: 'soon', body: {} } as never,
        item('confirm', keys[5], { amount: -1 }),
        item('cancel', keys[6], { amount: -1 }),
        item('try', keys[4], good),
      ]);
      expect(answers.map(summary)).toEqual([
        '200 ok',
        '409 INSUFFICIENT',
        '400 VALIDATION_FAILED',
        '500 INTERNAL',
        '422 UNKNOWN_ACTION',
        '400 VALIDATION_FAILED',
        '409 NO_SUCCESSFUL_TRY',
        '200 cancelled',
        '200 ok',
      ]);
      expect((answers[2].body as { errors: { field: string }[] }).errors.length).toBeGreaterThan(0);
      expect(answers[3].body).toMatchObject({ status: 500, type: expect.any(String) });
      // The exploded try left nothing; its neighbours' holds stayed.
      expect(await barrierRows(keys[3].transactionId)).toEqual([]);
      expect(await counter('batch-neighbours')).toEqual({ available: 6, held: 4, used: 0 });
    });

    it('answers 400 to the whole batch only when the body is not a list of 1 to 100 items', async () => {
      for (const body of [{}, { items: [] }, { items: {} }, [1], { items: [1], extra: 1 }]) {
        const res = await sendBatch(body);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      }
      const tooMany = Array.from({ length: 101 }, () => item('cancel', branchKey('x'), {}));
      expect((await sendBatch({ items: tooMany })).status).toBe(400);
    });

    it('answers 401 to a batch signed with another secret or over another path', async () => {
      expect((await sendBatch({ items: [] }, 'not-the-secret')).status).toBe(401);
      const raw = JSON.stringify({ items: [] });
      const timestamp = String(Date.now());
      const signature = signCall(SECRETS.current, {
        timestamp,
        method: 'POST',
        path: '/tcc/counter/try',
        deadline: '',
        body: raw,
      });
      const res = await request(app.getHttpServer())
        .post(PHASE_BATCH_PATH)
        .set('content-type', 'application/json')
        .set(TIMESTAMP_HEADER, timestamp)
        .set(SIGNATURE_HEADER, signature)
        .send(raw);
      expect(res.status).toBe(401);
    });
  });

  describe('races across batches', () => {
    it('cancels a hanging try from another batch once it finishes, releasing its hold', async () => {
      await seedCounter('batch-hanging', 10);
      const key = branchKey('batch-hanging');
      const payload = { name: 'batch-hanging', amount: 3 };
      const lock = await lockCounter('batch-hanging');
      const tried = batch([item('try', key, payload)]);
      await waitingOnLocks(1);
      const cancelled = batch([item('cancel', key, payload)]);
      await waitingOnLocks(2);
      await lock.end();
      expect((await tried).map(summary)).toEqual(['200 ok']);
      expect((await cancelled).map(summary)).toEqual(['200 cancelled']);
      expect(await counter('batch-hanging')).toEqual({ available: 10, held: 0, used: 0 });
      expect(await barrierRows(key.transactionId)).toEqual([
        { phase: 'cancel', outcome: 'released' },
        { phase: 'try', outcome: 'ok' },
      ]);
    });

    it('never leaves a hold behind when tries and cancels of one branch race in two batches, 30 times', async () => {
      await seedCounter('batch-race', 1000);
      await seedCounter('batch-race-beside', 1000);
      for (let i = 0; i < 30; i++) {
        const key = branchKey('batch-race');
        const beside = branchKey('batch-race-beside');
        const payload = { name: 'batch-race', amount: 1 };
        const besidePayload = { name: 'batch-race-beside', amount: 1 };
        const [tried, cancelled] = await Promise.all([
          batch([item('try', beside, besidePayload), item('try', key, payload)]),
          batch([item('cancel', key, payload), item('confirm', beside, besidePayload)]),
        ]);
        expect(['200 ok', '409 TRY_CANCELLED']).toContain(summary(tried[1]));
        expect(summary(cancelled[0])).toBe('200 cancelled');
        // The neighbour's try commits in its batch whatever happens to the racing branch.
        expect(summary(tried[0])).toBe('200 ok');
        expect(['200 confirmed', '409 NO_SUCCESSFUL_TRY']).toContain(summary(cancelled[1]));
        if (summary(cancelled[1]) !== '200 confirmed') {
          expect(
            summary(await batch([item('confirm', beside, besidePayload)]).then((r) => r[0])),
          ).toBe('200 confirmed');
        }
      }
      expect(await counter('batch-race')).toEqual({ available: 1000, held: 0, used: 0 });
      expect(await counter('batch-race-beside')).toEqual({ available: 970, held: 0, used: 30 });
    });

    it('answers every item of a batch whose transaction fails as a whole as it would be alone', async () => {
      await seedCounter('batch-whole-a', 10);
      await seedCounter('batch-whole-b', 10);
      const [first, second] = [branchKey('batch-whole-a'), branchKey('batch-whole-b')];
      const lock = await lockCounter('batch-whole-b');
      const answers = batch([
        item('try', first, { name: 'batch-whole-a', amount: 1 }),
        item('try', second, { name: 'batch-whole-b', amount: 2 }),
      ]);
      // The batch has tried the first branch and waits on the second: cut its connection.
      const [pid] = await waitingOnLocks(1);
      await dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      // Run alone, the second try waits on the lock again; let it through.
      await waitingOnLocks(1);
      await lock.end();
      expect((await answers).map(summary)).toEqual(['200 ok', '200 ok']);
      expect(businessCalls.try).toBe(4);
      expect(await counter('batch-whole-a')).toEqual({ available: 9, held: 1, used: 0 });
      expect(await counter('batch-whole-b')).toEqual({ available: 8, held: 2, used: 0 });
    });

    it('survives a deadlock with an outside transaction: both tries end 200 and hold once', async () => {
      await seedCounter('batch-deadlock-a', 10);
      await seedCounter('batch-deadlock-b', 10);
      const lock = await lockCounter('batch-deadlock-b');
      const [first, second] = [branchKey('batch-deadlock-a'), branchKey('batch-deadlock-b')];
      const answers = batch([
        item('try', first, { name: 'batch-deadlock-a', amount: 1 }),
        item('try', second, { name: 'batch-deadlock-b', amount: 1 }),
      ]);
      await waitingOnLocks(1);
      // The outside transaction now wants the row the batch holds: one of the two is aborted.
      const outside = lock.runner
        .query('UPDATE counters SET available = available WHERE name = $1', ['batch-deadlock-a'])
        .then(
          () => 'went through',
          () => 'aborted',
        );
      const outcome = await outside;
      if (outcome === 'aborted') await lock.runner.rollbackTransaction();
      else await lock.runner.commitTransaction();
      await lock.runner.release();
      expect((await answers).map(summary)).toEqual(['200 ok', '200 ok']);
      expect(await counter('batch-deadlock-a')).toEqual({ available: 9, held: 1, used: 0 });
      expect(await counter('batch-deadlock-b')).toEqual({ available: 9, held: 1, used: 0 });
    });
  });

  describe('lock waits inside a group (the default of 50 ms)', () => {
    it('lets a phase waiting on a lock leave its group: its neighbour commits meanwhile, it runs alone after', async () => {
      await seedCounter('group-wait-free', 10);
      await seedCounter('group-wait-locked', 10);
      const lock = await lockCounter('group-wait-locked');
      const [free, locked] = [branchKey('group-wait-free'), branchKey('group-wait-locked')];
      const answers = batch(
        [
          item('try', locked, { name: 'group-wait-locked', amount: 1 }),
          item('try', free, { name: 'group-wait-free', amount: 1 }),
        ],
        boundedApp,
      );
      // Only the phase running alone waits now; the group committed its neighbour without it.
      await waitingOnLocks(1);
      for (;;) {
        if ((await counter('group-wait-free')).held === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await counter('group-wait-locked')).toEqual({ available: 10, held: 0, used: 0 });
      await lock.end();
      expect((await answers).map(summary)).toEqual(['200 ok', '200 ok']);
      // The waiting phase ran twice: in the group (rolled back) and alone.
      expect(businessCalls.try).toBe(3);
      expect(await counter('group-wait-free')).toEqual({ available: 9, held: 1, used: 0 });
      expect(await counter('group-wait-locked')).toEqual({ available: 9, held: 1, used: 0 });
    });
  });
});
