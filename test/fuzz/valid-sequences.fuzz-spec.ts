import * as fc from 'fast-check';
import type { BranchRequest, TransactionView } from '@app/protocol';
import { credit, debit, reserve } from '../support/branches';
import { startStack, Stack } from '../support/stack';
import { fuzzSettings } from './support/settings';
import { Expectations, StackProbe, ledgerProblems } from './support/state';

// A sequence costs as much as dozens of single requests, so it gets a fortieth of the runs.
const settings = fuzzSettings('valid-sequences', 25, 1 / 40);
jest.setTimeout(240_000 + settings.runs * 20_000);

// The shop is paid by purchases and pays in transfers, so money keeps circulating.
const SHOP = 'seq-shop';
const ACCOUNTS = ['seq-a', 'seq-b', 'seq-c', 'seq-d', SHOP];
const SKUS = ['SEQ-1', 'SEQ-2'];
const OPENING = 50_000;
const STOCK = 2_000;
const SETTLE_TIMEOUT_MS = 90_000;

/** One branch of a generated transaction, before ids are given out. */
type BranchSpec =
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | {
      kind: 'purchase';
      sku: number;
      quantity: number;
      buyer: number;
      price: number;
      order: boolean;
    };

/** How an interactive transaction ends: the client decides, or lets its deadline pass. */
type Ending = 'confirm' | 'cancel' | 'expire' | 'confirm-twice';

/** One client's work: an autoCommit request (maybe repeated with its idempotency key) or an interactive transaction. */
type Scenario =
  | { mode: 'auto'; spec: BranchSpec; idempotent: boolean }
  | { mode: 'interactive'; specs: BranchSpec[]; upFront: number; ending: Ending };

const accountIndex = fc.nat({ max: ACCOUNTS.length - 1 });

const branchSpec: fc.Arbitrary<BranchSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('transfer' as const),
    from: accountIndex,
    to: accountIndex,
    amount: fc.integer({ min: 1, max: 6_000 }),
  }),
  fc.record({
    kind: fc.constant('purchase' as const),
    sku: fc.nat({ max: SKUS.length - 1 }),
    quantity: fc.integer({ min: 1, max: 5 }),
    buyer: accountIndex,
    price: fc.integer({ min: 1, max: 6_000 }),
    order: fc.boolean(),
  }),
);

const scenario: fc.Arbitrary<Scenario> = fc.oneof(
  fc.record({ mode: fc.constant('auto' as const), spec: branchSpec, idempotent: fc.boolean() }),
  fc.record({
    mode: fc.constant('interactive' as const),
    specs: fc.array(branchSpec, { minLength: 1, maxLength: 3 }),
    upFront: fc.nat({ max: 3 }),
    ending: fc.constantFrom<Ending>('confirm', 'confirm', 'cancel', 'expire', 'confirm-twice'),
  }),
);

let orders = 0;
let keys = 0;

function branchesOf(spec: BranchSpec): BranchRequest[] {
  switch (spec.kind) {
    case 'transfer':
      return [debit(ACCOUNTS[spec.from], spec.amount), credit(ACCOUNTS[spec.to], spec.amount)];
    case 'purchase':
      orders += 1;
      return [
        reserve(SKUS[spec.sku], spec.quantity, spec.order ? `seq-order-${orders}` : undefined),
        debit(ACCOUNTS[spec.buyer], spec.price),
        credit(SHOP, spec.price),
      ];
  }
}

describe('valid sequences: money and stock stay balanced', () => {
  let stack: Stack;
  let probe: StackProbe;
  const expected: Expectations = { accounts: new Map(), skus: new Map() };

  /** Asserts an answer is one the contract allows for that step; never a 5xx. */
  const allowed = (step: string, status: number, body: unknown, statuses: number[]): void => {
    if (!statuses.includes(status)) {
      throw new Error(
        `${step} answered ${status} ${JSON.stringify(body)}, expected ${statuses.join('/')}`,
      );
    }
  };

  const runAuto = async (spec: BranchSpec, idempotent: boolean): Promise<void> => {
    const request = { branches: branchesOf(spec) };
    const key = idempotent ? { idempotencyKey: `seq-key-${(keys += 1)}` } : {};
    const first = await stack.api.beginTransaction(request, key);
    allowed('autoCommit begin', first.status, first.body, [200, 202]);
    const view = first.body as TransactionView;
    if (first.status === 200 && !['CONFIRMED', 'CANCELLED'].includes(view.status)) {
      throw new Error(`autoCommit answered 200 with ${view.status}`);
    }
    if (!idempotent) return;
    const again = await stack.api.beginTransaction(request, key);
    allowed('repeated begin', again.status, again.body, [200, 202]);
    expect((again.body as TransactionView).id).toBe(view.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
  };

  const runInteractive = async (
    specs: BranchSpec[],
    upFront: number,
    ending: Ending,
  ): Promise<void> => {
    const branches = specs.flatMap(branchesOf);
    const begun = await stack.api.beginTransaction({
      branches: branches.slice(0, upFront),
      autoCommit: false,
      timeoutMs: ending === 'expire' ? 300 : 60_000,
    });
    allowed('interactive begin', begun.status, begun.body, [201]);
    const id = (begun.body as TransactionView).id;
    for (const branch of branches.slice(upFront)) {
      const added = await stack.api.addBranch(id, branch);
      // 409: refused by the participant, or (letting it expire) the deadline came first.
      allowed('add branch', added.status, added.body, [200, 409]);
    }
    if (ending === 'expire') return;
    if (ending === 'cancel') {
      const cancelled = await stack.api.cancel(id);
      allowed('cancel', cancelled.status, cancelled.body, [200, 202]);
      return;
    }
    const confirmed = await stack.api.confirm(id);
    allowed('confirm', confirmed.status, confirmed.body, [200, 202, 409]);
    if (confirmed.status === 409) {
      // A refused branch: not everything is TRIED, so the client cancels.
      const cancelled = await stack.api.cancel(id);
      allowed('cancel after a refused branch', cancelled.status, cancelled.body, [200, 202]);
      return;
    }
    if (ending === 'confirm-twice') {
      const again = await stack.api.confirm(id);
      allowed('repeated confirm', again.status, again.body, [200, 202]);
    }
  };

  const settle = async (): Promise<void> => {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while ((await probe.unfinished()).length > 0) {
      if (Date.now() > deadline) {
        throw new Error(
          `unfinished after ${SETTLE_TIMEOUT_MS} ms: ${JSON.stringify(await probe.unfinished())}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    stack = await startStack({ name: 'fuzz_sequences' });
    for (const id of ACCOUNTS) {
      await stack.seedAccount(id, OPENING);
      expected.accounts.set(id, OPENING);
    }
    for (const sku of SKUS) {
      await stack.seedStock(sku, STOCK);
      expected.skus.set(sku, STOCK);
    }
    probe = await StackProbe.open(stack.databases);
  });

  afterAll(async () => {
    await probe?.close();
    await stack?.stop();
  });

  it('runs random concurrent begin/add/confirm/cancel sequences and every invariant holds after each', async () => {
    let scenarioCount = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(scenario, { minLength: 1, maxLength: 4 }), async (scenarios) => {
        await Promise.all(
          scenarios.map((s) =>
            s.mode === 'auto'
              ? runAuto(s.spec, s.idempotent)
              : runInteractive(s.specs, s.upFront, s.ending),
          ),
        );
        scenarioCount += scenarios.length;
        await settle();
        expect(await ledgerProblems(probe, expected)).toEqual([]);
      }),
      { seed: settings.seed, numRuns: settings.runs },
    );
    const { rows } = await probe.coordinator.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM transactions GROUP BY status ORDER BY status',
    );
    process.stdout.write(
      `\nvalid-sequences: ${scenarioCount} scenarios, transactions ${rows.map((r) => `${r.status}×${r.n}`).join(' ')}\n`,
    );
  });
});
