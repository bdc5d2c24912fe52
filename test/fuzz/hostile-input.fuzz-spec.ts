import * as fc from 'fast-check';
import { startStack, Stack } from '../support/stack';
import { fuzzCase } from './support/cases';
import { closeRawConnections } from './support/raw-http';
import { HostileRunner } from './support/runner';
import { fuzzSettings } from './support/settings';
import { Expectations, StackProbe, ledgerProblems } from './support/state';

const settings = fuzzSettings('hostile-input', 1000);
// Generous per case: a shared 2-core machine, and shrinking replays cases.
jest.setTimeout(180_000 + settings.runs * 2_000);

const OPENING = 1_000_000;
const STOCK = 1_000;

describe('hostile input against the running apps', () => {
  let stack: Stack;
  let probe: StackProbe;
  let runner: HostileRunner;
  const expected: Expectations = { accounts: new Map(), skus: new Map() };

  beforeAll(async () => {
    stack = await startStack({ name: 'fuzz_hostile' });
    for (const id of ['fz-a', 'fz-b']) {
      await stack.seedAccount(id, OPENING);
      expected.accounts.set(id, OPENING);
    }
    await stack.seedStock('FZ-SKU', STOCK);
    expected.skus.set('FZ-SKU', STOCK);
    const finished = await stack.api.beginTransaction({
      branches: [
        { participant: 'account', action: 'debit', payload: { accountId: 'fz-a', amount: 1 } },
        { participant: 'account', action: 'credit', payload: { accountId: 'fz-b', amount: 1 } },
      ],
    });
    expect(finished.body).toMatchObject({ status: 'CONFIRMED' });
    probe = await StackProbe.open(stack.databases);
    runner = new HostileRunner(stack, probe, (finished.body as { id: string }).id, expected);
  });

  afterAll(async () => {
    closeRawConnections();
    await probe?.close();
    await stack?.stop();
  });

  it('answers every request with a 4xx or a correct 2xx, and a 4xx changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzCase, (fuzz) => runner.run(fuzz)),
      { seed: settings.seed, numRuns: settings.runs },
    );
    const statuses = [...runner.statuses].sort(([a], [b]) => a - b);
    process.stdout.write(
      `\nhostile-input answers: ${statuses.map(([status, count]) => `${status}×${count}`).join(' ')}\n`,
    );
  });

  it('leaves every app running and healthy', async () => {
    for (const app of Object.values(stack.apps)) {
      const health = await fetch(`${app.url}/health`);
      expect({ app: app.app, status: health.status }).toEqual({ app: app.app, status: 200 });
    }
  });

  it('keeps money and stock balanced once everything it started is settled', async () => {
    await runner.finish();
    expect(await ledgerProblems(probe, expected)).toEqual([]);
  });
});
