import { randomBytes } from 'node:crypto';
import { CoordinatorClient } from '@app/coordinator-client';
import { freePort } from '@app/database';
import { AppName, appSettings, RunningApp, startApp } from './apps';
import { AppClient } from './http';
import { BenchDatabase, PgServer, createDatabase, dropDatabases } from './postgres';

/** The three apps on fresh databases of one server. */
export interface BenchStack {
  apps: Record<AppName, RunningApp>;
  databases: { coordinator: BenchDatabase; inventory: BenchDatabase; shards: BenchDatabase[] };
  secrets: { apiKey: string; adminToken: string; signingSecret: string };
  /** The PostgreSQL server's postmaster on this machine, or null. */
  postmasterPid: number | null;
  /** Seeding calls (admin token) to the inventory. */
  inventoryAdmin: AppClient;
  /** Seeding calls (admin token) to the accounts. */
  accountAdmin: AppClient;
  /**
   * Restarts one app with `env` added to what it was started with (a
   * switch such as TCC_HOT_SKU_BATCHING) and waits until the participants
   * are registered again.
   */
  restartApp(name: AppName, env: Record<string, string>): Promise<void>;
  /** Stops the apps and drops the databases. */
  stop(): Promise<void>;
}

/** What the stack is started with. */
export interface StackOptions {
  server: PgServer;
  buildDir: string;
  logDir: string;
  logLevel: string;
  /** Node flags of each app (`--cpu-prof …`). */
  nodeFlags(app: AppName): string[];
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

async function waitForRegistration(
  api: CoordinatorClient,
  expected: Record<string, string>,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const response = await api.listParticipants().catch(() => null);
    if (response?.ok) {
      const seen = new Map(response.body.items.map((item) => [item.name, item.baseUrl]));
      if (Object.entries(expected).every(([name, url]) => seen.get(name) === url)) return;
    }
    await sleep(100);
  }
  throw new Error(`participants ${Object.keys(expected).join(', ')} did not register within 30 s`);
}

/**
 * Creates the coordinator's, the inventory's and two account shards'
 * databases, starts the coordinator and both participants with fresh
 * secrets, and waits until both participants are registered.
 */
export async function startStack(options: StackOptions): Promise<BenchStack> {
  const secrets = {
    apiKey: `bench-api-${randomBytes(8).toString('hex')}`,
    adminToken: `bench-admin-${randomBytes(8).toString('hex')}`,
    signingSecret: `bench-signing-${randomBytes(8).toString('hex')}`,
  };
  const common = {
    TCC_API_KEY: secrets.apiKey,
    TCC_ADMIN_TOKEN: secrets.adminToken,
    TCC_SIGNING_SECRET: secrets.signingSecret,
    LOG_LEVEL: options.logLevel,
  };
  const created: BenchDatabase[] = [];
  const started: RunningApp[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((app) => app.stop()));
    await dropDatabases(options.server, created);
  };
  try {
    for (const role of ['coord', 'inv', 'acc0', 'acc1']) {
      created.push(await createDatabase(options.server, role));
    }
    const [coordinatorDb, inventoryDb, shard0, shard1] = created;
    const launch = { buildDir: options.buildDir, logDir: options.logDir };
    const coordinator = await startApp('coordinator', {
      ...launch,
      env: { ...common, DATABASE_URL: coordinatorDb.url },
      nodeFlags: options.nodeFlags('coordinator'),
    });
    started.push(coordinator);
    const startParticipant = async (name: AppName, databaseUrls: string[]) => {
      const port = await freePort();
      return startApp(name, {
        ...launch,
        nodeFlags: options.nodeFlags(name),
        port,
        env: {
          ...common,
          ...appSettings(name, { port, databaseUrls, coordinatorUrl: coordinator.url }),
        },
      });
    };
    const [inventory, account] = await Promise.all([
      startParticipant('inventory', [inventoryDb.url]),
      startParticipant('account', [shard0.url, shard1.url]),
    ]);
    started.push(inventory, account);
    const api = new CoordinatorClient({ baseUrl: coordinator.url, apiKey: secrets.apiKey });
    await waitForRegistration(api, { inventory: inventory.url, account: account.url });
    const inventoryAdmin = new AppClient(inventory.url, 16, secrets.adminToken);
    const accountAdmin = new AppClient(account.url, 16, secrets.adminToken);
    return {
      apps: { coordinator, inventory, account },
      databases: { coordinator: coordinatorDb, inventory: inventoryDb, shards: [shard0, shard1] },
      secrets,
      postmasterPid: options.server.postmasterPid,
      inventoryAdmin,
      accountAdmin,
      restartApp: async (name, env) => {
        const apps = { coordinator, inventory, account };
        await apps[name].restart(env);
        await waitForRegistration(api, { inventory: inventory.url, account: account.url });
      },
      stop: async () => {
        await Promise.all([inventoryAdmin.close(), accountAdmin.close()]);
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
