import { renderProblem, renderTransaction, renderTransactionList, shellQuote } from './render';

const tx = {
  id: 'tx-1',
  status: 'CANCELLED',
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:00:01.000Z',
  deadline: '2025-01-01T10:00:10.000Z',
  reason: 'branch b-2 (account debit) refused: insufficient funds',
  reasonCode: 'INSUFFICIENT_FUNDS',
  failedBranchId: 'b-2',
  stuck: false,
  resolved: false,
  attempts: 1,
  branches: [
    {
      id: 'b-1',
      participant: 'inventory',
      action: 'reserve',
      payload: { sku: 'SKU-1', quantity: 2 },
      status: 'CANCELLED',
      attempts: 1,
      lastError: null,
    },
    {
      id: 'b-2',
      participant: 'account',
      action: 'debit',
      payload: { accountId: 'alice', amount: 200 },
      status: 'TRY_FAILED',
      attempts: 1,
      lastError: 'insufficient funds',
    },
  ],
  events: [{ at: '2025-01-01T10:00:00.500Z', type: 'TRY_FAILED', branchId: 'b-2', detail: null }],
  olderEvents: 3,
};

describe('renderTransaction', () => {
  it('shows the fields, the reason and a branch table', () => {
    const text = renderTransaction(tx);
    expect(text).toContain('Status         CANCELLED\n');
    expect(text).toContain('Reason code    INSUFFICIENT_FUNDS\n');
    expect(text).toContain('Failed branch  b-2\n');
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('BRANCH'));
    expect(lines[header]).toBe(
      'BRANCH  PARTICIPANT  ACTION   STATUS      ATTEMPTS  LAST ERROR          PAYLOAD',
    );
    expect(lines[header + 2]).toBe(
      'b-2     account      debit    TRY_FAILED         1  insufficient funds  {"accountId":"alice","amount":200}',
    );
  });

  it('adds the event timeline when asked, with the count of older events', () => {
    const text = renderTransaction(tx, { events: true });
    expect(text).toContain('3 older events not shown.\nAT');
    expect(text).toContain('2025-01-01T10:00:00.500Z  TRY_FAILED  b-2');
  });

  it('leaves out empty reasons and flags stuck and resolved transactions', () => {
    const text = renderTransaction({
      ...tx,
      status: 'CONFIRMING',
      reason: null,
      reasonCode: null,
      failedBranchId: null,
      stuck: true,
      resolved: true,
      branches: [],
    });
    expect(text).toContain('Status       CONFIRMING STUCK RESOLVED\n');
    expect(text).not.toContain('Reason');
    expect(text).toContain('No branches.');
  });
});

describe('renderTransactionList', () => {
  it('lists one row per transaction with its distinct participants', () => {
    const text = renderTransactionList({ items: [tx], nextCursor: null }, []);
    expect(text).toBe(
      'ID    STATUS     CREATED                   PARTICIPANTS       ATTEMPTS\n' +
        'tx-1  CANCELLED  2025-01-01T10:00:00.000Z  inventory,account         1\n',
    );
  });

  it('prints how to fetch the next page with the same filters', () => {
    const text = renderTransactionList({ items: [tx], nextCursor: 'abc=' }, ['--stuck']);
    expect(text).toContain('\nNext page: tcc list --stuck --cursor abc=\n');
  });

  it('says so when nothing matches', () => {
    expect(renderTransactionList({ items: [], nextCursor: null }, [])).toBe(
      'No transactions match.\n',
    );
  });
});

describe('renderProblem', () => {
  it('shows detail, code, status and each invalid field', () => {
    expect(
      renderProblem(400, {
        detail: 'The request is invalid.',
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'branches.0.payload', messages: ['must be an object'] }],
      }),
    ).toBe(
      'error: The request is invalid. (VALIDATION_FAILED, HTTP 400)\n' +
        '  branches.0.payload: must be an object\n',
    );
  });

  it('falls back to the title when there is no detail', () => {
    expect(renderProblem(502, { title: 'Bad Gateway' })).toBe('error: Bad Gateway (HTTP 502)\n');
  });
});

describe('shellQuote', () => {
  it('quotes only what a shell would split or expand', () => {
    expect(shellQuote('eyJpZCI6MX0=')).toBe('eyJpZCI6MX0=');
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });
});
