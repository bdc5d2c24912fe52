import type { BranchView, TransactionView } from '@app/protocol';
import { credit, debit } from '../support/branches';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

describe('interactive transactions (autoCommit: false)', () => {
  let stack: Stack;
  const from = 'interactive-from';
  const to = 'interactive-to';

  beforeAll(async () => {
    stack = await startStack({ name: 'interactive' });
    await stack.seedAccount(from, 10_000);
    await stack.seedAccount(to, 10_000);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function begin(): Promise<TransactionView> {
    const response = await stack.api.beginTransaction({
      branches: [],
      autoCommit: false,
      timeoutMs: 60_000,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'TRYING', branches: [] });
    return response.body as TransactionView;
  }

  it('adds branches one by one and confirms them all', async () => {
    const tx = await begin();

    const debited = await stack.api.addBranch(tx.id, debit(from, 1_500));
    const credited = await stack.api.addBranch(tx.id, credit(to, 1_500));
    expect(debited.status).toBe(200);
    expect(debited.body).toMatchObject({
      status: 'TRIED',
      participant: 'account',
      action: 'debit',
    });
    expect(credited.status).toBe(200);
    expect(credited.body).toMatchObject({ status: 'TRIED', action: 'credit' });
    expect(await stack.account(from)).toMatchObject({ balance: 8_500, frozen: 1_500 });
    expect(await stack.account(to)).toMatchObject({ balance: 10_000, incoming: 1_500 });

    const confirmed = await stack.api.confirm(tx.id);

    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ id: tx.id, status: 'CONFIRMED' });
    expect(await stack.account(from)).toMatchObject({ balance: 8_500, frozen: 0, incoming: 0 });
    expect(await stack.account(to)).toMatchObject({ balance: 11_500, frozen: 0, incoming: 0 });
  });

  it('cancels on request and releases every hold', async () => {
    const started = await stack.api.beginTransaction({
      branches: [debit(from, 2_000), credit(to, 2_000)],
      autoCommit: false,
      timeoutMs: 60_000,
    });
    expect(started.status).toBe(201);
    const tx = started.body as TransactionView;
    expect(tx.status).toBe('TRYING');
    expect(tx.branches.map((branch) => branch.status)).toEqual(['TRIED', 'TRIED']);
    expect(await stack.account(from)).toMatchObject({ balance: 6_500, frozen: 2_000 });

    const cancelled = await stack.api.cancel(tx.id);

    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED' });
    expect(await stack.account(from)).toMatchObject({ balance: 8_500, frozen: 0, incoming: 0 });
    expect(await stack.account(to)).toMatchObject({ balance: 11_500, frozen: 0, incoming: 0 });
  });

  it('tries a branch only once when it is added twice with the same idempotency key', async () => {
    const tx = await begin();

    const first = await stack.api.addBranch(tx.id, debit(from, 300), {
      idempotencyKey: 'interactive-branch',
    });
    const again = await stack.api.addBranch(tx.id, debit(from, 300), {
      idempotencyKey: 'interactive-branch',
    });

    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect((again.body as BranchView).id).toBe((first.body as BranchView).id);
    const view = await stack.api.getTransaction(tx.id);
    expect((view.body as TransactionView).branches).toHaveLength(1);
    expect(await stack.account(from)).toMatchObject({ balance: 8_200, frozen: 300 });

    expect((await stack.api.cancel(tx.id)).status).toBe(200);
    expect(await stack.account(from)).toMatchObject({ balance: 8_500, frozen: 0 });
  });

  it('refuses to confirm after a cancel and to add branches to a decided transaction', async () => {
    const tx = await begin();
    expect((await stack.api.cancel(tx.id)).status).toBe(200);

    const confirm = await stack.api.confirm(tx.id);
    const add = await stack.api.addBranch(tx.id, debit(from, 1));

    expect(confirm.status).toBe(409);
    expect(confirm.body).toMatchObject({ code: 'ALREADY_DECIDED' });
    expect(add.status).toBe(409);
    expect(add.body).toMatchObject({ code: 'NOT_TRYING' });
  });

  it('keeps the balances consistent with the log', async () => {
    await stack.checkInvariants({ accounts: { [from]: 10_000, [to]: 10_000 } });
  });
});
