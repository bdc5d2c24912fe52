import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createHttpApp } from '@app/http';
import { readInventoryConfig } from '../../../apps/inventory/src/config/inventory-config';
import { InventoryModule } from '../../../apps/inventory/src/inventory.module';
import { TestDatabase, createTestDatabase } from '../../support/db';
import { SECRETS, TOKENS, branchKey, phaseCall } from '../participant/support';

describe('inventory participant', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('inventory');
    const config = readInventoryConfig({
      DATABASE_URL: db.url,
      TCC_API_KEY: TOKENS.apiKey,
      TCC_ADMIN_TOKEN: TOKENS.adminToken,
      TCC_SIGNING_SECRET: SECRETS.current,
      TCC_SIGNING_SECRET_PREVIOUS: SECRETS.previous,
    });
    app = await createHttpApp(InventoryModule.forRoot(config, { register: false }), {
      logger: false,
    });
    await app.init();
    dataSource = app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const http = () => request(app.getHttpServer());
  const seed = (sku: string, available: number) =>
    http()
      .put(`/stock/${sku}`)
      .set('authorization', `Bearer ${TOKENS.adminToken}`)
      .send({ available });
  const stock = async (sku: string) =>
    (await http().get(`/stock/${sku}`).set('authorization', `Bearer ${TOKENS.apiKey}`)).body as {
      available: number;
      reserved: number;
      sold: number;
    };
  const order = (id: string) =>
    http().get(`/orders/${id}`).set('authorization', `Bearer ${TOKENS.apiKey}`);
  const reserve = (
    phase: 'try' | 'confirm' | 'cancel',
    key: { transactionId: string; branchId: string },
    payload: object,
  ) => phaseCall(app, 'reserve', phase, { ...key, payload });

  describe('seeding and reading', () => {
    it('creates a SKU with the admin token only: 401 without a token, 403 with the API key', async () => {
      const put = () => http().put('/stock/SEED-1').send({ available: 5 });
      expect((await put()).status).toBe(401);
      expect((await put().set('authorization', 'Bearer wrong-token')).status).toBe(401);
      const forbidden = await put().set('authorization', `Bearer ${TOKENS.apiKey}`);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers['content-type']).toMatch(/application\/problem\+json/);
      const created = await put().set('authorization', `Bearer ${TOKENS.adminToken}`);
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ sku: 'SEED-1', available: 5, reserved: 0, sold: 0 });
    });

    it('only creates: seeding an existing SKU is a 409 and changes nothing', async () => {
      expect((await seed('SEED-2', 5)).status).toBe(201);
      const again = await seed('SEED-2', 500);
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('ALREADY_EXISTS');
      expect(await stock('SEED-2')).toEqual({ sku: 'SEED-2', available: 5, reserved: 0, sold: 0 });
    });

    it('restocks through the admin token, 404 for an unknown SKU, 409 past 2^53-1', async () => {
      await seed('RESTOCK-1', 5);
      const restock = (sku: string, quantity: number, token = TOKENS.adminToken) =>
        http()
          .post(`/stock/${sku}/restock`)
          .set('authorization', `Bearer ${token}`)
          .send({ quantity });
      expect((await http().post('/stock/RESTOCK-1/restock').send({ quantity: 1 })).status).toBe(
        401,
      );
      expect((await restock('RESTOCK-1', 1, TOKENS.apiKey)).status).toBe(403);
      const added = await restock('RESTOCK-1', 7);
      expect(added.status).toBe(200);
      expect(added.body).toEqual({ sku: 'RESTOCK-1', available: 12, reserved: 0, sold: 0 });
      expect((await restock('NO-SUCH-SKU', 1)).status).toBe(404);
      const overflow = await restock('RESTOCK-1', Number.MAX_SAFE_INTEGER - 11);
      expect(overflow.status).toBe(409);
      expect((await restock('RESTOCK-1', Number.MAX_SAFE_INTEGER - 12)).body.available).toBe(
        Number.MAX_SAFE_INTEGER,
      );
    });

    it('validates SKUs in the path and quantities in bodies', async () => {
      expect((await seed('bad%20sku', 1)).status).toBe(400);
      expect((await seed('x'.repeat(65), 1)).status).toBe(400);
      for (const available of [-1, 1.5, '3', Number.MAX_SAFE_INTEGER + 1, null]) {
        const res = await seed('VALID-SKU', available as number);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      const extra = await http()
        .put('/stock/VALID-SKU')
        .set('authorization', `Bearer ${TOKENS.adminToken}`)
        .send({ available: 1, reserved: 5 });
      expect(extra.status).toBe(400);
      expect((await http().get('/stock/VALID-SKU')).status).toBe(401);
      const missing = await http()
        .get('/stock/VALID-SKU')
        .set('authorization', `Bearer ${TOKENS.apiKey}`);
      expect(missing.status).toBe(404);
      expect((await order('no-such-order')).status).toBe(404);
      expect((await http().get('/orders/no-such-order')).status).toBe(401);
    });

    it('serves /health without a token', async () => {
      const res = await http().get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', database: 'up' });
    });
  });

  describe('reserve', () => {
    it('reserves on try and sells on confirm, with its order PENDING then PAID', async () => {
      await seed('CONFIRM-1', 10);
      const key = branchKey('reserve-confirm');
      const payload = { sku: 'CONFIRM-1', quantity: 3, orderId: 'order-confirm-1' };
      expect((await reserve('try', key, payload)).status).toBe(200);
      expect(await stock('CONFIRM-1')).toMatchObject({ available: 7, reserved: 3, sold: 0 });
      expect((await order('order-confirm-1')).body).toEqual({
        id: 'order-confirm-1',
        sku: 'CONFIRM-1',
        quantity: 3,
        status: 'PENDING',
      });
      expect((await reserve('confirm', key, payload)).status).toBe(200);
      expect((await reserve('confirm', key, payload)).status).toBe(200);
      expect(await stock('CONFIRM-1')).toMatchObject({ available: 7, reserved: 0, sold: 3 });
      expect((await order('order-confirm-1')).body.status).toBe('PAID');
    });

    it('puts the units back on cancel, with its order CANCELLED', async () => {
      await seed('CANCEL-1', 10);
      const key = branchKey('reserve-cancel');
      const payload = { sku: 'CANCEL-1', quantity: 4, orderId: 'order-cancel-1' };
      expect((await reserve('try', key, payload)).status).toBe(200);
      expect((await reserve('cancel', key, payload)).status).toBe(200);
      expect((await reserve('cancel', key, payload)).status).toBe(200);
      expect(await stock('CANCEL-1')).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      expect((await order('order-cancel-1')).body.status).toBe('CANCELLED');
    });

    it('acts on what the try reserved, not on the payload sent again', async () => {
      await seed('RESENT-1', 10);
      const key = branchKey('reserve-resent');
      expect((await reserve('try', key, { sku: 'RESENT-1', quantity: 2 })).status).toBe(200);
      expect((await reserve('confirm', key, { sku: 'RESENT-1', quantity: 9 })).status).toBe(200);
      expect(await stock('RESENT-1')).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    });

    it('refuses insufficient stock, unknown SKUs and existing orders, changing nothing', async () => {
      await seed('REFUSE-1', 2);
      const short = await reserve('try', branchKey('reserve-short'), {
        sku: 'REFUSE-1',
        quantity: 3,
      });
      expect(short.status).toBe(409);
      expect(short.body.code).toBe('INSUFFICIENT_STOCK');
      const unknown = await reserve('try', branchKey('reserve-unknown'), {
        sku: 'NOPE-1',
        quantity: 1,
      });
      expect(unknown.status).toBe(409);
      expect(unknown.body.code).toBe('UNKNOWN_SKU');

      const first = { sku: 'REFUSE-1', quantity: 1, orderId: 'order-dup-1' };
      expect((await reserve('try', branchKey('reserve-order-1'), first)).status).toBe(200);
      const duplicate = await reserve('try', branchKey('reserve-order-2'), first);
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.code).toBe('ORDER_EXISTS');
      // The duplicate's stock change was rolled back with its order insert.
      expect(await stock('REFUSE-1')).toMatchObject({ available: 1, reserved: 1, sold: 0 });
    });

    it('answers 400 to an invalid payload', async () => {
      for (const payload of [
        { sku: 'A', quantity: 0 },
        { sku: 'A', quantity: 2 ** 53 },
        { sku: 'bad sku', quantity: 1 },
        { sku: 'A', quantity: 1, orderId: '' },
        { sku: 'A', quantity: 1, price: 5 },
      ]) {
        const res = await reserve('try', branchKey('reserve-invalid'), payload);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('invariants under concurrency', () => {
    it('lets exactly 20 of 200 parallel one-unit tries on a 20-unit SKU succeed', async () => {
      await seed('HOT-1', 20);
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          reserve('try', branchKey(`hot-${i}`), { sku: 'HOT-1', quantity: 1 }),
        ),
      );
      const ok = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 409);
      expect(ok).toHaveLength(20);
      expect(refused).toHaveLength(180);
      expect(refused.every((a) => a.body.code === 'INSUFFICIENT_STOCK')).toBe(true);
      expect(await stock('HOT-1')).toMatchObject({ available: 0, reserved: 20, sold: 0 });
      const [{ held }] = await dataSource.query<{ held: string }[]>(
        "SELECT count(*) AS held FROM reservations WHERE sku = 'HOT-1' AND state = 'HELD'",
      );
      expect(Number(held)).toBe(20);
    });

    it('keeps available + reserved + sold constant through a concurrent mix of tries, confirms and cancels', async () => {
      const initial = 100;
      await seed('MIX-1', initial);
      const branches = Array.from({ length: 60 }, (_, i) => ({
        key: branchKey(`mix-${i}`),
        payload: { sku: 'MIX-1', quantity: (i % 5) + 1, orderId: `order-mix-${i}` },
        decision: i % 3 === 0 ? ('cancel' as const) : ('confirm' as const),
      }));
      const results = await Promise.all(
        branches.map(async (branch) => {
          const tried = await reserve('try', branch.key, branch.payload);
          const total = await stock('MIX-1');
          expect(total.available + total.reserved + total.sold).toBe(initial);
          // A refused try is cancelled by the coordinator; a successful one is decided.
          const decision = tried.status === 200 ? branch.decision : 'cancel';
          expect((await reserve(decision, branch.key, branch.payload)).status).toBe(200);
          return { ...branch, tried: tried.status === 200, decision };
        }),
      );
      const final = await stock('MIX-1');
      const soldExpected = results
        .filter((r) => r.tried && r.decision === 'confirm')
        .reduce((sum, r) => sum + r.payload.quantity, 0);
      expect(final).toMatchObject({
        available: initial - soldExpected,
        reserved: 0,
        sold: soldExpected,
      });
      for (const r of results.filter((x) => x.tried)) {
        expect((await order(r.payload.orderId)).body.status).toBe(
          r.decision === 'confirm' ? 'PAID' : 'CANCELLED',
        );
      }
    });
  });
});
