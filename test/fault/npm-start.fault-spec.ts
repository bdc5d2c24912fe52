import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  lstatSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '@app/database';
import { ROOT } from '../../scripts/lib/apps';

// `npm start` as a newcomer runs it: from a checkout in a private (0700)
// directory, which as root the postgres user cannot enter, on ports of its
// own. The first start creates the cluster; SIGTERM to npm must stop
// everything. The second start reuses the cluster; SIGKILL of the supervisor
// must leave nothing running either.

const READY_TIMEOUT_MS = 240_000;
const GONE_TIMEOUT_MS = 30_000;
const READY_LINE = 'TCC Coordinator is running.';
// What a checkout holds besides the scripts; linked, not copied (node_modules alone is large).
const LINKED = [
  'node_modules',
  'dist',
  'apps',
  'libs',
  'tsconfig.json',
  'nest-cli.json',
  'package-lock.json',
];

jest.setTimeout(2 * READY_TIMEOUT_MS + 4 * GONE_TIMEOUT_MS);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A checkout of its own in a fresh 0700 directory: the scripts copied, the rest linked. */
function privateCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tcc-npm-start-'));
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  for (const name of LINKED) symlinkSync(join(ROOT, name), join(dir, name));
  return dir;
}

/** Every process below `root`, from ps. */
function descendants(root: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [pid, ppid] of rows) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** Whether `pid` still runs: a zombie has exited, only nobody has collected it (init may never). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Started {
  npm: ChildProcess;
  output: () => string;
}

async function npmStart(dir: string, env: Record<string, string>): Promise<Started> {
  const inherited = { ...process.env };
  for (const name of ['DATABASE_URL', 'ACCOUNT_SHARD_URLS', 'HOST', 'NODE_ENV', 'PORT']) {
    delete inherited[name];
  }
  const npm = spawn('npm', ['start'], {
    cwd: dir,
    env: { ...inherited, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout?.on('data', (chunk) => (output += String(chunk)));
  npm.stderr?.on('data', (chunk) => (output += String(chunk)));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!output.includes(READY_LINE)) {
    if (npm.exitCode !== null || Date.now() > deadline) {
      throw new Error(`npm start did not come up (exit ${npm.exitCode}):\n${output.slice(-4000)}`);
    }
    await sleep(250);
  }
  return { npm, output: () => output };
}

async function waitGone(
  pids: number[],
  ports: number[],
): Promise<{ pids: number[]; ports: number[] }> {
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  for (;;) {
    const left = { pids: pids.filter(alive), ports: [] as number[] };
    for (const port of ports) if (await answers(port)) left.ports.push(port);
    if ((left.pids.length === 0 && left.ports.length === 0) || Date.now() > deadline) return left;
    await sleep(200);
  }
}

describe('npm start from a private directory', () => {
  let dir: string;
  let relocatedData: string | null = null;
  const everyPid = new Set<number>();
  const passwordFiles = () =>
    readdirSync(tmpdir()).filter((name) => /^(pg-password-|tcc-pg-init-)/.test(name));

  beforeAll(() => {
    dir = privateCheckout();
  });

  afterAll(() => {
    for (const pid of everyPid) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    // As root the cluster lived outside the checkout; it goes with it.
    if (relocatedData) rmSync(dirname(relocatedData), { recursive: true, force: true });
  });

  it('comes up on the first run, serves requests on 127.0.0.1, and SIGTERM to npm stops everything, leaving no secret behind', async () => {
    const before = passwordFiles();
    const ports = {
      coordinator: await freePort(),
      inventory: await freePort(),
      account: await freePort(),
      pg: await freePort(),
    };
    const { npm, output } = await npmStart(dir, {
      COORDINATOR_PORT: String(ports.coordinator),
      INVENTORY_PORT: String(ports.inventory),
      ACCOUNT_PORT: String(ports.account),
      TCC_EMBEDDED_PG_PORT: String(ports.pg),
    });
    const pids = [npm.pid as number, ...descendants(npm.pid as number)];
    pids.forEach((pid) => everyPid.add(pid));
    const pgLink = join(dir, '.data', 'pg');
    if (lstatSync(pgLink).isSymbolicLink()) relocatedData = readlinkSync(pgLink);

    expect(output()).toContain('Listening on 127.0.0.1 only');
    const admin = { Authorization: 'Bearer dev-admin-token', 'Content-Type': 'application/json' };
    const seeded = await fetch(`http://127.0.0.1:${ports.account}/accounts/carol`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ balance: 10_000 }),
    });
    expect(seeded.status).toBeLessThan(300);
    const credited = await fetch(`http://127.0.0.1:${ports.coordinator}/v1/transactions`, {
      method: 'POST',
      headers: { Authorization: 'Bearer dev-api-key', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        branches: [
          {
            participant: 'account',
            action: 'credit',
            payload: { accountId: 'carol', amount: 500 },
          },
        ],
      }),
    });
    expect(credited.status).toBeLessThan(300);
    expect(['CONFIRMED', 'CONFIRMING']).toContain(
      ((await credited.json()) as { status: string }).status,
    );

    npm.kill('SIGTERM');
    expect(await waitGone(pids, Object.values(ports))).toEqual({ pids: [], ports: [] });
    expect(passwordFiles()).toEqual(before);
  });

  it('reuses the cluster, and after SIGKILL of the supervisor the apps and PostgreSQL stop on their own', async () => {
    const ports = {
      coordinator: await freePort(),
      inventory: await freePort(),
      account: await freePort(),
      pg: await freePort(),
    };
    const { npm } = await npmStart(dir, {
      COORDINATOR_PORT: String(ports.coordinator),
      INVENTORY_PORT: String(ports.inventory),
      ACCOUNT_PORT: String(ports.account),
      TCC_EMBEDDED_PG_PORT: String(ports.pg),
    });
    const below = descendants(npm.pid as number);
    below.forEach((pid) => everyPid.add(pid));
    const supervisor = below.find((pid) =>
      execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).includes(
        'scripts/start.js',
      ),
    );
    expect(supervisor).toBeDefined();

    process.kill(supervisor as number, 'SIGKILL');
    expect(await waitGone(below, Object.values(ports))).toEqual({ pids: [], ports: [] });
  });
});
