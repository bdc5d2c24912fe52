import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createHttpApp } from '@app/http';
import { readInventoryConfig } from '../../../apps/inventory/src/config/inventory-config';
import { InventoryModule } from '../../../apps/inventory/src/inventory.module';
import { reserveMany } from '../../../apps/inventory/src/tcc/reserve-batch';
import { ReservePayload } from '../../../apps/inventory/src/tcc/reserve.payload';
import { reserveAction } from '../../../apps/inventory/src/tcc/reserve.action';
import { QueuedTry, runTryBatch } from '../../../libs/participant/src/batch-barrier';
import { TryBatcher } from '../../../libs/participant/src/try-batcher';
import { TestDatabase, createTestDatabase } from '../../support/db';
import { SECRETS, TOKENS, branchKey, phaseCall } from '../participant/support';

type Key = { transactionId: string; branchId: string };

/** The inventory app with hot-SKU batching on (its default), listening so racing calls arrive together. */
async function startInventory(url: string): Promise<NestExpressApplication> {
  const config = readInventoryConfig({
    DATABASE_URL: url,
    TCC_API_KEY: TOKENS.apiKey,
    TCC_ADMIN_TOKEN: TOKENS.adminToken,
    TCC_SIGNING_SECRET: SECRETS.current,
  });
  const app = await createHttpApp(InventoryModule.forRoot(config, { register: false }), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  return app;
}

describe('inventory: batched reservations of a hot SKU', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let second: NestExpressApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('inventory_batching');
    app = await startInventory(db.url);
    second = await startInventory(db.url);
    dataSource = app.get(DataSource);
  });
  afterAll(async () => {
    await second?.close();
    await app?.close();
    await db?.drop();
  });

  const seed = async (sku: string, available: number): Promise<void> => {
    const res = await request(app.getHttpServer())
      .put(`/stock/${sku}`)
      .set('authorization', `Bearer ${TOKENS.adminToken}`)
      .send({ available });
    expect(res.status).toBe(201);
  };
  const stock = async (sku: string) =>
    (
      await request(app.getHttpServer())
        .get(`/stock/${sku}`)
        .set('authorization', `Bearer ${TOKENS.apiKey}`)
    ).body as { available: number; reserved: number; sold: number };
  const held = async (sku: string): Promise<number> => {
    const [{ count }] = await dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM reservations WHERE sku = $1 AND state = 'HELD'`,
      [sku],
    );
    return count;
  };
  const call = (
    phase: 'try' | 'confirm' | 'cancel',
    key: Key,
    payload: object,
    options: { deadline?: number | null; via?: NestExpressApplication } = {},
  ) =>
    phaseCall(
      options.via ?? app,
      'reserve',
      phase,
      { ...key, payload },
      { deadline: options.deadline },
    );

  /** 400 one-unit tries at once on `sku`, half of them through `via` when given. */
  async function burst(sku: string, name: string, via?: NestExpressApplication) {
    const keys = Array.from({ length: 400 }, (_, i) => branchKey(`${name}-${i}`));
    const answers = await Promise.all(
      keys.map((key, i) =>
        call('try', key, { sku, quantity: 1 }, { via: i % 2 === 0 ? app : (via ?? app) }),
      ),
    );
    return keys.map((key, i) => ({ key, answer: answers[i] }));
  }

  describe('400 concurrent tries on a stock of 100', () => {
    const sku = 'BATCH-HOT-1';
    let results: Awaited<ReturnType<typeof burst>>;

    beforeAll(async () => {
      await seed(sku, 100);
      results = await burst(sku, 'hot');
    });

    it('grants exactly 100 and refuses the other 300 for stock', async () => {
      const granted = results.filter((r) => r.answer.status === 200);
      const refused = results.filter((r) => r.answer.status === 409);
      expect(granted).toHaveLength(100);
      expect(refused).toHaveLength(300);
      expect(granted.every((r) => r.answer.body.repeated === false)).toBe(true);
      expect(new Set(refused.map((r) => r.answer.body.code as string))).toEqual(
        new Set(['INSUFFICIENT_STOCK']),
      );
      expect(await stock(sku)).toEqual({ sku, available: 0, reserved: 100, sold: 0 });
      expect(await held(sku)).toBe(100);
    });

    it('answers each retried branch with its own stored outcome and changes nothing', async () => {
      const again = await Promise.all(results.map((r) => call('try', r.key, { sku, quantity: 1 })));
      results.forEach((r, i) => {
        expect(again[i].status).toBe(r.answer.status);
        if (r.answer.status === 200)
          expect(again[i].body).toEqual({ outcome: 'ok', repeated: true });
        else expect(again[i].body.code).toBe('INSUFFICIENT_STOCK');
      });
      expect(await stock(sku)).toEqual({ sku, available: 0, reserved: 100, sold: 0 });
    });

    it('confirms and cancels batched reservations one by one, each once', async () => {
      const granted = results.filter((r) => r.answer.status === 200).map((r) => r.key);
      const [toConfirm, toCancel] = [granted.slice(0, 30), granted.slice(30, 50)];
      const payload = { sku, quantity: 1 };
      const settled = await Promise.all([
        ...toConfirm.map((key) => call('confirm', key, payload)),
        ...toCancel.map((key) => call('cancel', key, payload)),
      ]);
      expect(settled.map((res) => res.status)).toEqual(settled.map(() => 200));
      expect(await stock(sku)).toEqual({ sku, available: 20, reserved: 50, sold: 30 });

      const repeats = await Promise.all([
        ...toConfirm.map((key) => call('confirm', key, payload)),
        ...toCancel.map((key) => call('cancel', key, payload)),
      ]);
      expect(repeats.every((res) => res.status === 200 && res.body.repeated === true)).toBe(true);
      const crossed = await Promise.all([
        ...toConfirm.map((key) => call('cancel', key, payload)),
        ...toCancel.map((key) => call('confirm', key, payload)),
      ]);
      expect(crossed.map((res) => res.body.code as string)).toEqual([
        ...toConfirm.map(() => 'ALREADY_CONFIRMED'),
        ...toCancel.map(() => 'NO_SUCCESSFUL_TRY'),
      ]);
      expect(await stock(sku)).toEqual({ sku, available: 20, reserved: 50, sold: 30 });
    });
  });

  describe('inside one batch', () => {
    const now = Date.now();
    const tries = (
      sku: string,
      specs: { key: Key; quantity: number; orderId?: string; deadlineMs?: number }[],
    ) =>
      specs.map((spec): QueuedTry<ReservePayload> => ({
        key: spec.key,
        payload: Object.assign(new ReservePayload(), {
          sku,
          quantity: spec.quantity,
          orderId: spec.orderId,
        }),
        deadlineMs: spec.deadlineMs ?? now + 60_000,
      }));
    const applyBatch = (batch: QueuedTry<ReservePayload>[]) =>
      runTryBatch(dataSource, batch, Date.now(), reserveMany);

    it('refuses a branch cancelled before its try, answers the rest', async () => {
      await seed('BATCH-CANCELLED-1', 10);
      const cancelled = branchKey('cancelled-first');
      const emptyCancel = await call('cancel', cancelled, {
        sku: 'BATCH-CANCELLED-1',
        quantity: 1,
      });
      expect(emptyCancel.status).toBe(200);
      const others = [branchKey('beside-cancelled-1'), branchKey('beside-cancelled-2')];
      const answers = await applyBatch(
        tries('BATCH-CANCELLED-1', [
          { key: others[0], quantity: 2 },
          { key: cancelled, quantity: 3 },
          { key: others[1], quantity: 4 },
        ]),
      );
      expect(answers).toEqual([
        { kind: 'done', outcome: 'ok', repeated: false },
        { kind: 'refused', code: 'TRY_CANCELLED', detail: expect.any(String) },
        { kind: 'done', outcome: 'ok', repeated: false },
      ]);
      expect(await stock('BATCH-CANCELLED-1')).toMatchObject({ available: 4, reserved: 6 });
      // Over HTTP too, through the queue: the late try of the cancelled branch stays refused.
      const late = await call('try', cancelled, { sku: 'BATCH-CANCELLED-1', quantity: 3 });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('TRY_CANCELLED');
    });

    it('refuses a try past its deadline and keeps that refusal for its repeats', async () => {
      await seed('BATCH-LATE-1', 10);
      const late = branchKey('late');
      const onTime = branchKey('on-time');
      const answers = await applyBatch(
        tries('BATCH-LATE-1', [
          { key: late, quantity: 5, deadlineMs: now - 1000 },
          { key: onTime, quantity: 1 },
        ]),
      );
      expect(answers[0]).toEqual({
        kind: 'refused',
        code: 'DEADLINE_PASSED',
        detail: expect.any(String),
      });
      expect(answers[1]).toEqual({ kind: 'done', outcome: 'ok', repeated: false });
      const repeat = await call('try', late, { sku: 'BATCH-LATE-1', quantity: 5 });
      expect(repeat.status).toBe(409);
      expect(repeat.body.code).toBe('DEADLINE_PASSED');
      const overHttp = await call(
        'try',
        branchKey('late-http'),
        { sku: 'BATCH-LATE-1', quantity: 1 },
        {
          deadline: Date.now() - 1,
        },
      );
      expect(overHttp.status).toBe(409);
      expect(overHttp.body.code).toBe('DEADLINE_PASSED');
      expect(await stock('BATCH-LATE-1')).toMatchObject({ available: 9, reserved: 1 });
    });

    it('answers duplicates of one branch with its one outcome and reserves once', async () => {
      await seed('BATCH-DUP-1', 3);
      const dup = branchKey('dup');
      const refusedDup = branchKey('dup-refused');
      const answers = await applyBatch(
        tries('BATCH-DUP-1', [
          { key: dup, quantity: 2 },
          { key: refusedDup, quantity: 5 },
          { key: dup, quantity: 2 },
          { key: refusedDup, quantity: 5 },
          { key: dup, quantity: 2 },
        ]),
      );
      expect(
        answers.map((a) =>
          a.kind === 'done'
            ? `ok${a.repeated ? ' again' : ''}`
            : a.kind === 'refused'
              ? a.code
              : a.kind,
        ),
      ).toEqual(['ok', 'INSUFFICIENT_STOCK', 'ok again', 'INSUFFICIENT_STOCK', 'ok again']);
      expect(await stock('BATCH-DUP-1')).toMatchObject({ available: 1, reserved: 2 });
      expect(await held('BATCH-DUP-1')).toBe(1);
    });

    it('grants in arrival order while units last, a later smaller try included', async () => {
      await seed('BATCH-ORDER-1', 10);
      const keys = [
        branchKey('fit-6'),
        branchKey('miss-5'),
        branchKey('fit-4'),
        branchKey('miss-1'),
      ];
      const answers = await applyBatch(
        tries('BATCH-ORDER-1', [
          { key: keys[0], quantity: 6 },
          { key: keys[1], quantity: 5 },
          { key: keys[2], quantity: 4 },
          { key: keys[3], quantity: 1 },
        ]),
      );
      expect(answers.map((a) => a.kind)).toEqual(['done', 'refused', 'done', 'refused']);
      expect(await stock('BATCH-ORDER-1')).toMatchObject({ available: 0, reserved: 10 });
    });

    it('refuses taken order ids, in the database or earlier in the batch, without taking their units', async () => {
      await seed('BATCH-ORDERS-1', 10);
      const first = await call('try', branchKey('order-owner'), {
        sku: 'BATCH-ORDERS-1',
        quantity: 1,
        orderId: 'batch-order-taken',
      });
      expect(first.status).toBe(200);
      const answers = await applyBatch(
        tries('BATCH-ORDERS-1', [
          { key: branchKey('order-taken'), quantity: 2, orderId: 'batch-order-taken' },
          { key: branchKey('order-new'), quantity: 2, orderId: 'batch-order-new' },
          { key: branchKey('order-twice'), quantity: 2, orderId: 'batch-order-new' },
          { key: branchKey('order-none'), quantity: 2 },
        ]),
      );
      expect(answers.map((a) => (a.kind === 'refused' ? a.code : a.kind))).toEqual([
        'ORDER_EXISTS',
        'done',
        'ORDER_EXISTS',
        'done',
      ]);
      expect(await stock('BATCH-ORDERS-1')).toMatchObject({ available: 5, reserved: 5 });
      const [order] = await dataSource.query<{ quantity: string; status: string }[]>(
        `SELECT quantity, status FROM orders WHERE id = 'batch-order-new'`,
      );
      expect(order).toEqual({ quantity: '2', status: 'PENDING' });
    });

    it('refuses every try of an unknown SKU', async () => {
      const answers = await applyBatch(
        tries('BATCH-NO-SUCH-SKU', [
          { key: branchKey('unknown-1'), quantity: 1 },
          { key: branchKey('unknown-2'), quantity: 1 },
        ]),
      );
      expect(answers.map((a) => (a.kind === 'refused' ? a.code : a.kind))).toEqual([
        'UNKNOWN_SKU',
        'UNKNOWN_SKU',
      ]);
    });
  });

  describe('a batch whose transaction fails as a whole', () => {
    /** A transaction of its own that inserted an order and waits for `end` to commit or roll back. */
    async function holdOrder(id: string, sku: string) {
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      await runner.query(
        `INSERT INTO orders (id, sku, quantity, status, transaction_id, branch_id)
         VALUES ($1, $2, 1, 'PENDING', 'outside', 'outside')`,
        [id, sku],
      );
      return {
        end: async (commit: boolean) => {
          await (commit ? runner.commitTransaction() : runner.rollbackTransaction());
          await runner.release();
        },
      };
    }
    /** Waits until some session waits on a lock (a batch's insert behind an open one). */
    async function someoneWaitsOnALock(): Promise<void> {
      for (;;) {
        const [{ waiting }] = await dataSource.query<{ waiting: number }[]>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (waiting > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    it('runs its tries again one by one: an order id taken meanwhile refuses only its own try', async () => {
      const sku = 'BATCH-RACE-1';
      await seed(sku, 3);
      const batcher = app.get(TryBatcher);
      const submit = (key: Key, quantity: number, orderId?: string) =>
        batcher.submit(dataSource, reserveAction as never, {
          key,
          payload: Object.assign(new ReservePayload(), { sku, quantity, orderId }),
          deadlineMs: Date.now() + 60_000,
        });
      const taken = await holdOrder('batch-race-taken', sku);
      const plug = await holdOrder('batch-race-plug', sku);
      // The first try waits on the plug's order, so the two behind it queue into one batch.
      const first = submit(branchKey('race-plugged'), 1, 'batch-race-plug');
      await someoneWaitsOnALock();
      const raced = submit(branchKey('race-taken'), 2, 'batch-race-taken');
      const behind = submit(branchKey('race-behind'), 2);
      await plug.end(false);
      // The batch read no order 'batch-race-taken' (uncommitted), and its insert now waits on it.
      await someoneWaitsOnALock();
      await taken.end(true);

      expect(await first).toEqual({ kind: 'done', outcome: 'ok', repeated: false });
      expect(await raced).toMatchObject({ kind: 'refused', code: 'ORDER_EXISTS' });
      // Alone, the refused try takes no units, so the try behind it gets the last two.
      expect(await behind).toEqual({ kind: 'done', outcome: 'ok', repeated: false });
      expect(await stock(sku)).toEqual({ sku, available: 0, reserved: 3, sold: 0 });
      expect(await held(sku)).toBe(2);
    });

    it('never deadlocks on order ids that two batches share in crossing order', async () => {
      const skus = ['BATCH-CROSS-A', 'BATCH-CROSS-B'];
      for (const sku of skus) await seed(sku, 1000);
      const ids = Array.from({ length: 20 }, (_, i) => `batch-cross-${i}`);
      const rounds = await Promise.all(
        skus.map((sku, s) =>
          Promise.all(
            (s === 0 ? ids : [...ids].reverse()).map((orderId) =>
              call('try', branchKey(`cross-${s}`), { sku, quantity: 1, orderId }),
            ),
          ),
        ),
      );
      const statuses = rounds.flat().map((res) => res.status);
      // Each order id goes to exactly one of the two SKUs; nothing fails for a deadlock.
      expect(statuses.filter((status) => status === 200)).toHaveLength(ids.length);
      expect(statuses.filter((status) => status === 409)).toHaveLength(ids.length);
    });
  });

  it('never oversells with two inventory processes on one database', async () => {
    const sku = 'BATCH-TWO-APPS-1';
    await seed(sku, 100);
    const results = await burst(sku, 'two-apps', second);
    expect(results.filter((r) => r.answer.status === 200)).toHaveLength(100);
    expect(results.filter((r) => r.answer.status === 409)).toHaveLength(300);
    expect(await stock(sku)).toEqual({ sku, available: 0, reserved: 100, sold: 0 });
    expect(await held(sku)).toBe(100);
  });
});
