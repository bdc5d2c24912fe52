import { tcc } from '../support/cli';
import { startStack, Stack } from '../support/stack';
import { FORGETFUL_LIMIT, startForgetfulParticipant } from '../participants/forgetful';

jest.setTimeout(120_000);

const SKU = 'CONFORMANCE-SKU';
const PAYER = 'conformance-payer';
const PAYEE = 'conformance-payee';

/** The rule names `tcc conformance` prints, in order. */
const RULES = [
  'unsigned',
  'wrong-signature',
  'stale-signature',
  'try-repeated',
  'confirm-repeated',
  'cancel-before-try',
  'deadline-passed',
  'confirm-without-try',
  'refused-payload',
  'try-cancel-race',
];

/** The first word (PASS, FAIL, SKIP) of each rule's line, by rule name. */
function verdicts(stdout: string): Record<string, string> {
  const lines = stdout.split('\n').filter((line) => /^(PASS|FAIL|SKIP) /.test(line));
  return Object.fromEntries(lines.map((line) => [line.split(/\s+/)[1], line.split(/\s+/)[0]]));
}

describe('tcc conformance', () => {
  let stack: Stack;
  let env: Record<string, string>;

  const conformance = (url: string, action: string, payload: object, refused: object) =>
    tcc(
      [
        'conformance',
        url,
        '--action',
        action,
        '--payload',
        JSON.stringify(payload),
        '--refused-payload',
        JSON.stringify(refused),
      ],
      env,
    );

  beforeAll(async () => {
    stack = await startStack({ name: 'conformance' });
    env = { TCC_SIGNING_SECRET: stack.secrets.signingSecret };
    await stack.seedStock(SKU, 1000);
    await stack.seedAccount(PAYER, 1_000_000);
    await stack.seedAccount(PAYEE, 0);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('passes every rule against inventory reserve', async () => {
    const run = await conformance(
      stack.apps.inventory.url,
      'reserve',
      { sku: SKU, quantity: 1 },
      { sku: SKU, quantity: 1_000_000 },
    );
    expect(verdicts(run.stdout)).toEqual(Object.fromEntries(RULES.map((r) => [r, 'PASS'])));
    expect(run.stdout).toContain('10 passed, 0 failed, 0 skipped');
    expect(run.code).toBe(0);
  });

  it('passes every rule against account debit and credit', async () => {
    const debit = await conformance(
      stack.apps.account.url,
      'debit',
      { accountId: PAYER, amount: 5 },
      { accountId: PAYER, amount: 2_000_000 },
    );
    expect(debit.stdout).toContain('10 passed, 0 failed, 0 skipped');
    expect(debit.code).toBe(0);
    const credit = await conformance(
      stack.apps.account.url,
      'credit',
      { accountId: PAYEE, amount: 5 },
      { accountId: 'conformance-nobody', amount: 5 },
    );
    expect(credit.stdout).toContain('10 passed, 0 failed, 0 skipped');
    expect(credit.code).toBe(0);
  });

  it('leaves only the one confirmed try of each payload behind', async () => {
    expect(await stack.stock(SKU)).toMatchObject({ available: 999, reserved: 0, sold: 1 });
    expect(await stack.account(PAYER)).toMatchObject({ balance: 999_995, frozen: 0, incoming: 0 });
    expect(await stack.account(PAYEE)).toMatchObject({ balance: 5, frozen: 0, incoming: 0 });
  });

  it('fails a participant that grants a try after its cancel, naming the rule', async () => {
    const forgetful = await startForgetfulParticipant(stack.secrets.signingSecret);
    try {
      const run = await conformance(
        forgetful.url,
        'grant',
        { amount: 1 },
        { amount: FORGETFUL_LIMIT + 1 },
      );
      expect(run.code).toBe(1);
      const seen = verdicts(run.stdout);
      expect(seen['cancel-before-try']).toBe('FAIL');
      expect(run.stdout).toMatch(/^FAIL\s+cancel-before-try\s+.*late try → 200 \(want 409\)$/m);
      for (const rule of RULES.filter(
        (r) => r !== 'cancel-before-try' && r !== 'try-cancel-race',
      )) {
        expect(seen[rule]).toBe('PASS');
      }
      expect(run.stdout).toMatch(/\d passed, [12] failed, 0 skipped/);
    } finally {
      await forgetful.close();
    }
  });
});
