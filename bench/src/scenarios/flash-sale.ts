import { randomBytes } from 'node:crypto';
import { TransactionStatus, TransactionView } from '@app/protocol';
import type { CpuShares } from '../cpu';
import { AppClient } from '../http';
import { closedLoop } from '../load';
import { withClient } from '../postgres';
import { ProgressLine } from '../progress';
import { BenchStack, inParallel } from '../stack';
import { waitForQuietLog, watchStackCpu } from './transfer';

/** How fast one SKU sold out through the coordinator, and whether anything was oversold. */
export interface FlashSaleResult {
  stock: number;
  buyers: number;
  /** Purchases decided confirm (answered CONFIRMED, or CONFIRMING and finished by recovery). */
  confirmed: number;
  /** Units left when every buyer had been refused for stock: released again by purchases cancelled for other reasons. */
  unsold: number;
  /** Transactions recovery had not finished five minutes after the sale (the checks need 0). */
  unfinished: number;
  /** What the checks compare, for a failed one. */
  ledger: { sold: number; reserved: number; paidOrders: number; shopBalance: number };
  purchasesPerS: number;
  sellOutS: number;
  errors: number;
  errorSamples: string[];
  /** Units sold beyond the stock (must be 0). */
  oversold: number;
  /** Once recovery finished: units sold = confirmed purchases = paid orders, the shop got exactly their price, nothing reserved. */
  consistent: boolean;
  cpu: CpuShares;
}

const PRICE = 100;
const CONFIRMED = new Set<unknown>([TransactionStatus.Confirmed, TransactionStatus.Confirming]);
const CANCELLED = new Set<unknown>([TransactionStatus.Cancelled, TransactionStatus.Cancelling]);

/**
 * `buyers` concurrent buyers each buy one unit at a time (reserve with an
 * order, debit the buyer, credit the one shop) until the stock is refused;
 * sold-out time is when the last purchase was confirmed.
 */
export async function runFlashSale(
  stack: BenchStack,
  options: { stock: number; buyers: number; progress: ProgressLine },
): Promise<FlashSaleResult> {
  const tag = randomBytes(3).toString('hex');
  const sku = `flash-${tag}`;
  const shop = `shop-${tag}`;
  const buyers = Array.from({ length: options.buyers }, (_, i) => `fb-${tag}-${i}`);
  const seeded = await stack.inventoryAdmin.send('PUT', `/stock/${sku}`, {
    available: options.stock,
  });
  if (seeded.status !== 201) throw new Error(`PUT /stock/${sku} answered ${seeded.status}`);
  await inParallel([shop, ...buyers], 16, async (id, index) => {
    const answer = await stack.accountAdmin.send('PUT', `/accounts/${id}`, {
      balance: index === 0 ? 0 : 1_000_000_000,
    });
    if (answer.status !== 201) throw new Error(`PUT /accounts/${id} answered ${answer.status}`);
    options.progress.update(`seeding flash-sale accounts ${index + 1}/${buyers.length + 1}`);
  });
  options.progress.done();

  const coordinator = new AppClient(
    stack.apps.coordinator.url,
    options.buyers,
    stack.secrets.apiKey,
  );
  const purchases = buyers.map(() => 0);
  let confirmed = 0;
  let lastConfirmedAt = 0;
  const stopCpu = watchStackCpu(stack);
  const started = performance.now();
  const load = await closedLoop({
    label: 'flash sale',
    callers: options.buyers,
    durationMs: null,
    progress: options.progress,
    status: () => `${confirmed}/${options.stock} sold`,
    request: async (buyer) => {
      purchases[buyer] += 1;
      const answer = await coordinator.send<TransactionView>('POST', '/v1/transactions', {
        branches: [
          {
            participant: 'inventory',
            action: 'reserve',
            payload: { sku, quantity: 1, orderId: `fo-${tag}-${buyer}-${purchases[buyer]}` },
          },
          {
            participant: 'account',
            action: 'debit',
            payload: { accountId: buyers[buyer], amount: PRICE },
          },
          { participant: 'account', action: 'credit', payload: { accountId: shop, amount: PRICE } },
        ],
        timeoutMs: 120_000,
      });
      const view = answer.body;
      // A logged confirm decision is a purchase: recovery finishes what phase 2 left (202).
      if (CONFIRMED.has(view.status)) {
        confirmed += 1;
        lastConfirmedAt = performance.now();
        return { ok: true };
      }
      if (CANCELLED.has(view.status) && view.reasonCode === 'INSUFFICIENT_STOCK') return 'stop';
      return { ok: false, error: `${answer.status} ${view.status ?? ''} ${view.reason ?? ''}` };
    },
  });
  const cpu = stopCpu();
  await coordinator.close();
  // Phase-2 retries back off up to TCC_RETRY_MAX_MS (a minute by default): give recovery time to finish.
  const unfinished = await waitForQuietLog(stack, 300_000);

  const stock = await stack.inventoryAdmin.send<{
    available: number;
    reserved: number;
    sold: number;
  }>('GET', `/stock/${sku}`);
  const paid = await withClient(stack.databases.inventory.url, async (client) => {
    const { rows } = await client.query<{ paid: number }>(
      `SELECT count(*)::int AS paid FROM orders WHERE sku = $1 AND status = 'PAID'`,
      [sku],
    );
    return rows[0].paid;
  });
  const shopView = await stack.accountAdmin.send<{ balance: number }>('GET', `/accounts/${shop}`);
  const { available, reserved, sold } = stock.body;
  const sellOutS = (lastConfirmedAt - started) / 1000;
  return {
    stock: options.stock,
    buyers: options.buyers,
    confirmed: load.completed,
    purchasesPerS: load.completed / Math.max(sellOutS, 0.001),
    sellOutS,
    errors: load.errors,
    errorSamples: load.errorSamples,
    unsold: available,
    unfinished,
    ledger: { sold, reserved, paidOrders: paid, shopBalance: shopView.body.balance },
    oversold: Math.max(0, sold - options.stock),
    consistent:
      unfinished === 0 &&
      sold === load.completed &&
      reserved === 0 &&
      available >= 0 &&
      available + sold === options.stock &&
      paid === sold &&
      shopView.body.balance === sold * PRICE,
    cpu,
  };
}
