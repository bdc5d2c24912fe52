import { credit, debit, reserve } from '../support/branches';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

describe('purchase with an order', () => {
  let stack: Stack;
  const sku = 'purchase-sku';
  const buyer = 'purchase-buyer';
  const shop = 'purchase-shop';

  beforeAll(async () => {
    stack = await startStack({ name: 'purchase' });
    await stack.seedStock(sku, 10);
    await stack.seedAccount(buyer, 5_000);
    await stack.seedAccount(shop, 100);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('reserves, debits and credits in one transaction: order PAID, stock sold, money moved', async () => {
    const response = await stack.api.beginTransaction({
      branches: [reserve(sku, 2, 'purchase-order-paid'), debit(buyer, 2_000), credit(shop, 2_000)],
    });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'CONFIRMED' });
    expect(await stack.order('purchase-order-paid')).toEqual({
      id: 'purchase-order-paid',
      sku,
      quantity: 2,
      status: 'PAID',
    });
    expect(await stack.stock(sku)).toEqual({ sku, available: 8, reserved: 0, sold: 2 });
    expect(await stack.account(buyer)).toMatchObject({ balance: 3_000, frozen: 0, incoming: 0 });
    expect(await stack.account(shop)).toMatchObject({ balance: 2_100, frozen: 0, incoming: 0 });
  });

  it('cancels a purchase the buyer cannot pay: order CANCELLED, stock back, no money moved', async () => {
    const response = await stack.api.beginTransaction({
      branches: [
        reserve(sku, 3, 'purchase-order-unpaid'),
        debit(buyer, 999_999),
        credit(shop, 999_999),
      ],
    });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'CANCELLED', reasonCode: 'INSUFFICIENT_FUNDS' });
    expect(await stack.order('purchase-order-unpaid')).toMatchObject({
      status: 'CANCELLED',
      quantity: 3,
    });
    expect(await stack.stock(sku)).toEqual({ sku, available: 8, reserved: 0, sold: 2 });
    expect(await stack.account(buyer)).toMatchObject({ balance: 3_000, frozen: 0, incoming: 0 });
    expect(await stack.account(shop)).toMatchObject({ balance: 2_100, frozen: 0, incoming: 0 });
  });

  it('cancels a purchase of more than the stock: INSUFFICIENT_STOCK, nothing reserved', async () => {
    const response = await stack.api.beginTransaction({
      branches: [reserve(sku, 9, 'purchase-order-too-many'), debit(buyer, 10), credit(shop, 10)],
    });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'CANCELLED', reasonCode: 'INSUFFICIENT_STOCK' });
    expect(await stack.stock(sku)).toEqual({ sku, available: 8, reserved: 0, sold: 2 });
  });

  it('conserves stock and money', async () => {
    await stack.checkInvariants({ accounts: { [buyer]: 5_000, [shop]: 100 }, skus: { [sku]: 10 } });
  });
});
