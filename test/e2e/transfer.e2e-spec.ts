import { transfer } from '../support/branches';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

describe('cross-shard transfer', () => {
  let stack: Stack;
  let payer: string;
  let payee: string;

  beforeAll(async () => {
    stack = await startStack({ name: 'transfer' });
    [payer, payee] = await stack.seedCrossShardPair('transfer', 10_000);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('uses two accounts that live on different shards', async () => {
    const [a, b] = await Promise.all([stack.account(payer), stack.account(payee)]);
    expect(a.shard).not.toBe(b.shard);
  });

  it('confirms a transfer between shards and moves the money', async () => {
    const response = await stack.api.beginTransaction({ branches: transfer(payer, payee, 3_000) });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'CONFIRMED', reason: null, reasonCode: null });
    expect(await stack.account(payer)).toMatchObject({ balance: 7_000, frozen: 0, incoming: 0 });
    expect(await stack.account(payee)).toMatchObject({ balance: 13_000, frozen: 0, incoming: 0 });
  });

  it('shows the finished transaction by id with every branch confirmed', async () => {
    const started = await stack.api.beginTransaction({ branches: transfer(payee, payer, 500) });
    expect(started.ok).toBe(true);
    const id = (started.body as { id: string }).id;

    const found = await stack.api.getTransaction(id);

    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      id,
      status: 'CONFIRMED',
      stuck: false,
      resolved: false,
      branches: [
        { participant: 'account', action: 'debit', status: 'CONFIRMED' },
        { participant: 'account', action: 'credit', status: 'CONFIRMED' },
      ],
    });
  });

  it('cancels a transfer the payer cannot afford, naming the refusing branch, and changes nothing', async () => {
    const before = await Promise.all([stack.account(payer), stack.account(payee)]);

    const response = await stack.api.beginTransaction({
      branches: transfer(payer, payee, 1_000_000),
    });

    expect(response.status).toBe(200);
    const view = response.body as {
      status: string;
      reason: string;
      reasonCode: string;
      failedBranchId: string;
      branches: { id: string; action: string }[];
    };
    expect(view.status).toBe('CANCELLED');
    expect(view.reasonCode).toBe('INSUFFICIENT_FUNDS');
    const debitBranch = view.branches.find((branch) => branch.action === 'debit');
    expect(view.failedBranchId).toBe(debitBranch?.id);
    expect(view.reason).toContain(view.failedBranchId);
    expect(view.reason).toContain('account');
    expect(view.reason).toContain('debit');
    expect(await Promise.all([stack.account(payer), stack.account(payee)])).toEqual(before);
  });

  it('keeps every balance equal to opening plus confirmed credits minus confirmed debits', async () => {
    await stack.checkInvariants({ accounts: { [payer]: 10_000, [payee]: 10_000 } });
  });
});
