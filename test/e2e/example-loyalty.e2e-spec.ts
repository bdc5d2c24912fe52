import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { BranchRequest, TransactionStatus } from '@app/protocol';
import { freePort } from '@app/database';
import { ROOT } from '../../scripts/lib/apps';
import { credit, debit, reserve } from '../support/branches';
import { tcc } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/db';
import { httpClient, HttpClient } from '../support/http';
import { NodeProcess, startProcess } from '../support/processes';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(180_000);

const EXAMPLE = join(ROOT, 'examples', 'loyalty');
const SKU = 'LOYALTY-SKU';
const PRICE = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `GET /members/:id` of the loyalty example. */
interface MemberView {
  id: string;
  points: number;
  pending: number;
}

/** `loyalty.award`: pending points on try, granted on confirm. */
function award(memberId: string, points: number): BranchRequest {
  return { participant: 'loyalty', action: 'award', payload: { memberId, points } };
}

/** A purchase spanning the three participants: stock, money, and the points it earns. */
function purchase(buyer: string, member: string, quantity: number): BranchRequest[] {
  return [
    reserve(SKU, quantity),
    debit(buyer, quantity * PRICE),
    credit('loyalty-shop', quantity * PRICE),
    award(member, quantity * 10),
  ];
}

/**
 * Packs the participant SDK and installs the tarball next to the example, as
 * a team outside this repository would from the registry; its peers (NestJS,
 * TypeORM, pg) are the repository's own, found in the root node_modules, so
 * the install needs no network. Then builds the example against it.
 */
function installSdkAndBuild(): void {
  const packs = mkdtempSync(join(tmpdir(), 'tcc-sdk-pack-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // The global setup's build made dist/ just now.
    const packed = execFileSync(
      npm,
      [
        'pack',
        '-w',
        '@tcc-coordinator/participant',
        '--ignore-scripts',
        '--pack-destination',
        packs,
      ],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tarball = join(packs, packed.trim().split('\n').pop() as string);
    rmSync(join(ROOT, 'examples', 'node_modules'), { recursive: true, force: true });
    execFileSync(
      npm,
      [
        'install',
        '--prefix',
        join(ROOT, 'examples'),
        '--no-save',
        '--no-package-lock',
        '--legacy-peer-deps',
        '--offline',
        '--no-audit',
        '--no-fund',
        tarball,
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
  } finally {
    rmSync(packs, { recursive: true, force: true });
  }
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', EXAMPLE],
    {
      cwd: EXAMPLE,
      stdio: 'pipe',
    },
  );
}

describe('loyalty, a participant outside apps/ on the packed SDK', () => {
  let stack: Stack;
  let database: TestDatabase;
  let loyalty: NodeProcess<'loyalty'>;
  let loyaltyApi: HttpClient;
  const opening = { 'loyalty-buyer': 100_000, 'loyalty-shop': 0 };

  const member = async (id: string): Promise<MemberView> =>
    (await loyaltyApi.get<MemberView>(`/members/${id}`)).body;

  beforeAll(async () => {
    installSdkAndBuild();
    stack = await startStack({ name: 'loyalty' });
    database = await createTestDatabase('loyalty');
    const port = await freePort();
    loyalty = await startProcess(
      'loyalty',
      join(EXAMPLE, 'dist', 'main.js'),
      {
        PORT: String(port),
        DATABASE_URL: database.url,
        COORDINATOR_URL: stack.apps.coordinator.url,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        TCC_API_KEY: stack.secrets.apiKey,
        TCC_ADMIN_TOKEN: stack.secrets.adminToken,
        TCC_SIGNING_SECRET: stack.secrets.signingSecret,
      },
      { port },
    );
    loyaltyApi = httpClient(loyalty.url, stack.secrets.apiKey);
    for (let registered = false; !registered; await sleep(100)) {
      const answer = await stack.api.listParticipants();
      registered = answer.ok && answer.body.items.some((p) => p.name === 'loyalty');
    }
    await stack.seedStock(SKU, 100);
    for (const [id, balance] of Object.entries(opening)) await stack.seedAccount(id, balance);
    for (const id of ['alice', 'conformance']) {
      const created = await loyaltyApi.put(
        `/members/${id}`,
        { points: 0 },
        {
          token: stack.secrets.adminToken,
        },
      );
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await loyalty?.stop();
    await stack?.stop();
    await database?.drop();
    rmSync(join(ROOT, 'examples', 'node_modules'), { recursive: true, force: true });
  });

  it('runs the SDK from its tarball, not from the repository', () => {
    const resolved = require.resolve('@tcc-coordinator/participant', { paths: [EXAMPLE] });
    expect(resolved.startsWith(join(ROOT, 'examples', 'node_modules'))).toBe(true);
  });

  it('confirms a purchase across inventory, account and loyalty', async () => {
    const answer = await stack.api.beginTransaction({
      branches: purchase('loyalty-buyer', 'alice', 2),
    });
    expect(answer.ok && answer.body.status).toBe(TransactionStatus.Confirmed);
    expect(await member('alice')).toEqual({ id: 'alice', points: 20, pending: 0 });
  });

  it('cancels every branch when loyalty refuses the try', async () => {
    const answer = await stack.api.beginTransaction({
      branches: purchase('loyalty-buyer', 'nobody', 1),
    });
    expect(answer.ok && answer.body).toMatchObject({
      status: TransactionStatus.Cancelled,
      reasonCode: 'UNKNOWN_MEMBER',
    });
    expect(await stack.stock(SKU)).toMatchObject({ reserved: 0, sold: 2 });
  });

  it('cancels the award when inventory refuses the try', async () => {
    const answer = await stack.api.beginTransaction({
      branches: purchase('loyalty-buyer', 'alice', 1000),
    });
    expect(answer.ok && answer.body).toMatchObject({
      status: TransactionStatus.Cancelled,
      reasonCode: 'INSUFFICIENT_STOCK',
    });
    expect(await member('alice')).toEqual({ id: 'alice', points: 20, pending: 0 });
  });

  it('finishes the confirm after loyalty is killed in the middle of it and restarted', async () => {
    const begun = await stack.api.beginTransaction({
      branches: purchase('loyalty-buyer', 'alice', 3),
      autoCommit: false,
    });
    if (!begun.ok) throw new Error(`begin answered ${begun.status}`);
    const id = begun.body.id;
    // A lock on the award the try wrote holds loyalty's confirm inside its local transaction.
    const blocker = new Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM awards WHERE transaction_id = $1 FOR UPDATE', [id]);
      const confirming = stack.api.confirm(id);
      for (let waiting = false; !waiting; await sleep(50)) {
        const { rows } = await blocker.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        waiting = Number(rows[0].n) > 0;
      }
      loyalty.kill('SIGKILL');
      await blocker.query('ROLLBACK');
      const answer = await confirming;
      expect(answer.ok && answer.body.status).toBe(TransactionStatus.Confirming);
    } finally {
      await blocker.end();
    }
    await loyalty.restart();
    expect(await stack.waitForFinal(id)).toMatchObject({ status: TransactionStatus.Confirmed });
    expect(await member('alice')).toEqual({ id: 'alice', points: 50, pending: 0 });
  });

  it('passes the conformance check', async () => {
    const run = await tcc(
      [
        'conformance',
        loyalty.url,
        '--action',
        'award',
        '--payload',
        JSON.stringify({ memberId: 'conformance', points: 1 }),
        '--refused-payload',
        JSON.stringify({ memberId: 'nobody', points: 1 }),
      ],
      { TCC_SIGNING_SECRET: stack.secrets.signingSecret },
    );
    expect(run.stdout).toContain('10 passed, 0 failed, 0 skipped');
    expect(run.code).toBe(0);
    expect(await member('conformance')).toEqual({ id: 'conformance', points: 1, pending: 0 });
  });

  it('keeps stock, money and points conserved', async () => {
    await stack.checkInvariants({ accounts: opening, skus: { [SKU]: 100 } });
    const listed = await stack.transactions();
    // Read each one in full: list items need not carry every branch.
    const final = await Promise.all(listed.map((tx) => stack.waitForFinal(tx.id)));
    const confirmedPoints = final
      .filter((tx) => tx.status === TransactionStatus.Confirmed)
      .flatMap((tx) => tx.branches)
      .filter((branch) => branch.participant === 'loyalty')
      .reduce((sum, branch) => sum + Number((branch.payload as { points: number }).points), 0);
    expect(await member('alice')).toEqual({ id: 'alice', points: confirmedPoints, pending: 0 });
  });
});
