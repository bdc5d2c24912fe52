import type { TransactionView } from '@app/protocol';
import { credit, debit, reserve } from '../support/branches';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(180_000);

describe('recovery after crashes', () => {
  let stack: Stack;
  const payer = 'recovery-payer';
  const shop = 'recovery-shop';
  const sku = 'recovery-sku';

  beforeAll(async () => {
    stack = await startStack({ name: 'recovery' });
    await stack.seedAccount(payer, 10_000);
    await stack.seedAccount(shop, 1);
    await stack.seedStock(sku, 5);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('cancels a transaction whose coordinator died before deciding, once its deadline passes', async () => {
    const started = await stack.api.beginTransaction({
      branches: [debit(payer, 1_000)],
      autoCommit: false,
      // Long enough for the try to arrive in time on a busy machine, short enough to wait for.
      timeoutMs: 4_000,
    });
    expect(started.status).toBe(201);
    const tx = started.body as TransactionView;
    expect(await stack.account(payer)).toMatchObject({ balance: 9_000, frozen: 1_000 });

    stack.apps.coordinator.kill('SIGKILL');
    await stack.apps.coordinator.restart();

    const final = await stack.waitForFinal(tx.id);
    expect(final).toMatchObject({ status: 'CANCELLED', reasonCode: 'DEADLINE_PASSED' });
    expect(await stack.account(payer)).toMatchObject({ balance: 10_000, frozen: 0 });
  });

  it('keeps a confirm decision while a participant is down and finishes it when the participant is back', async () => {
    const started = await stack.api.beginTransaction({
      branches: [reserve(sku, 2, 'recovery-order'), debit(payer, 700), credit(shop, 700)],
      autoCommit: false,
      timeoutMs: 60_000,
    });
    expect(started.status).toBe(201);
    const tx = started.body as TransactionView;
    expect(tx.branches.map((branch) => branch.status)).toEqual(['TRIED', 'TRIED', 'TRIED']);

    await stack.apps.inventory.stop();
    const confirm = await stack.api.confirm(tx.id);

    expect(confirm.status).toBe(202);
    expect(confirm.body).toMatchObject({ status: 'CONFIRMING' });
    expect(confirm.headers.location).toContain(tx.id);

    await stack.apps.inventory.restart();
    const final = await stack.waitForFinal(tx.id);

    expect(final.status).toBe('CONFIRMED');
    expect(await stack.order('recovery-order')).toMatchObject({ status: 'PAID' });
    expect(await stack.stock(sku)).toEqual({ sku, available: 3, reserved: 0, sold: 2 });
  });

  it('conserves stock and money across the crashes', async () => {
    await stack.checkInvariants({ accounts: { [payer]: 10_000, [shop]: 1 }, skus: { [sku]: 5 } });
  });
});
