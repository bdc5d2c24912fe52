import type { ApiResponse } from '@app/coordinator-client';
import { TransactionStatus, TransactionView } from '@app/protocol';
import { credit, debit, reserve } from '../support/branches';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(300_000);

const STOCK = 20;
const BUYERS = 200;
const PRICE = 500;
const FUNDS = 1_000;

/** Runs `work` over `items` with at most `limit` in flight (seeding 200 accounts at once would only measure the pool). */
async function inBatches<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += limit) {
    results.push(...(await Promise.all(items.slice(start, start + limit).map(work))));
  }
  return results;
}

describe('flash sale', () => {
  let stack: Stack;
  const sku = 'flash-sku';
  const shop = 'flash-shop';
  const buyers = Array.from({ length: BUYERS }, (_, i) => `flash-buyer-${i}`);

  beforeAll(async () => {
    stack = await startStack({
      name: 'flash_sale',
      // The outcome, not the latency, is under test: a slow try on a busy machine must not count as a refusal.
      env: { coordinator: { TCC_CALL_TIMEOUT_MS: '60000', TCC_DEFAULT_TIMEOUT_MS: '120000' } },
    });
    await stack.seedStock(sku, STOCK);
    await stack.seedAccount(shop, 1);
    await inBatches(buyers, 20, (buyer) => stack.seedAccount(buyer, FUNDS));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it(`sells exactly ${STOCK} units to ${BUYERS} concurrent buyers and cancels the rest for stock`, async () => {
    const buy = async (buyer: string, index: number): Promise<TransactionView> => {
      const request = {
        branches: [
          reserve(sku, 1, `flash-order-${index}`),
          debit(buyer, PRICE),
          credit(shop, PRICE),
        ],
        timeoutMs: 120_000,
      };
      // A throttled buyer tries again with the same key, as a real client would; the key makes that safe.
      let response: ApiResponse<TransactionView>;
      do {
        response = await stack.api.beginTransaction(request, { idempotencyKey: `flash-${index}` });
        if (response.status === 429) await new Promise((resolve) => setTimeout(resolve, 200));
      } while (response.status === 429);
      expect([200, 202]).toContain(response.status);
      const view = response.body as TransactionView;
      return response.status === 200 ? view : stack.waitForFinal(view.id);
    };

    const outcomes = await Promise.all(buyers.map(buy));

    const confirmed = outcomes.filter((view) => view.status === TransactionStatus.Confirmed);
    const cancelled = outcomes.filter((view) => view.status === TransactionStatus.Cancelled);
    expect(confirmed).toHaveLength(STOCK);
    expect(cancelled).toHaveLength(BUYERS - STOCK);
    expect(new Set(cancelled.map((view) => view.reasonCode))).toEqual(
      new Set(['INSUFFICIENT_STOCK']),
    );
    expect(await stack.stock(sku)).toEqual({ sku, available: 0, reserved: 0, sold: STOCK });

    const orders = await inBatches(
      outcomes.map((_, index) => index),
      20,
      (index) => stack.order(`flash-order-${index}`).catch(() => null),
    );
    expect(orders.filter((order) => order?.status === 'PAID')).toHaveLength(STOCK);
  });

  it('conserves stock and money: no oversell, every buyer paid only for what was sold', async () => {
    await stack.checkInvariants({
      accounts: { [shop]: 1, ...Object.fromEntries(buyers.map((buyer) => [buyer, FUNDS])) },
      skus: { [sku]: STOCK },
    });
    expect(await stack.account(shop)).toMatchObject({ balance: 1 + STOCK * PRICE });
  });
});
