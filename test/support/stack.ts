import { randomBytes } from 'node:crypto';
import { CoordinatorClient } from '@app/coordinator-client';
import { TransactionStatus, TransactionSummary, TransactionView } from '@app/protocol';
import { createTestDatabase, TestDatabase } from './db';
import { httpClient, HttpClient, HttpResponse } from './http';
import { freePort } from '@app/database';
import { appByName, appSettings } from '../../scripts/lib/apps';
import { AppName, AppProcess, startApp } from './processes';

/** `GET /accounts/:id` of the account participant. */
export interface AccountView {
  id: string;
  balance: number;
  frozen: number;
  incoming: number;
  shard: string;
}

/** `GET /stock/:sku` of the inventory participant. */
export interface StockView {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

/** `GET /orders/:id` of the inventory participant. */
export interface OrderView {
  id: string;
  sku: string;
  quantity: number;
  status: string;
}

/** Opening balances and initial stock totals the invariants are checked against. */
export interface InvariantInput {
  accounts?: Record<string, number>;
  skus?: Record<string, number>;
}

/** The three apps on fresh databases, with helpers that speak the public HTTP contract. */
export interface Stack {
  /** The three processes, to stop, kill or restart them. */
  apps: Record<AppName, AppProcess>;
  /** Every coordinator of the stack, all on one log; the first is `apps.coordinator`. */
  coordinators: AppProcess[];
  /** Starts one more coordinator on the same log with the same environment plus `env`. */
  addCoordinator(env?: Record<string, string>): Promise<AppProcess>;
  /** Connection URLs of the stack's databases, for checks made directly in SQL. */
  databases: StackDatabases;
  secrets: { apiKey: string; adminToken: string; signingSecret: string };
  /** Typed coordinator client with the API key. */
  api: CoordinatorClient;
  /** Typed coordinator client with the admin token. */
  admin: CoordinatorClient;
  /** Raw HTTP to the coordinator with the API key, for requests the typed client cannot make (malformed bodies, wrong tokens). */
  coordinatorHttp: HttpClient;
  /** Inventory participant with the API key (pass `{ token }` for admin calls). */
  inventoryApi: HttpClient;
  /** Account participant with the API key (pass `{ token }` for admin calls). */
  accountApi: HttpClient;
  seedAccount(id: string, balance: number): Promise<void>;
  seedStock(sku: string, available: number): Promise<void>;
  /** Seeds accounts `<prefix>-0`, `<prefix>-1`, … until two land on different shards; returns those two. */
  seedCrossShardPair(prefix: string, balance: number): Promise<[string, string]>;
  account(id: string): Promise<AccountView>;
  stock(sku: string): Promise<StockView>;
  order(id: string): Promise<OrderView>;
  /** Polls the transaction until it is CONFIRMED or CANCELLED (recovery included). */
  waitForFinal(transactionId: string): Promise<TransactionView>;
  /** Every transaction in the coordinator's log, newest first. */
  transactions(): Promise<TransactionSummary[]>;
  /**
   * Waits until every transaction is final, then checks stock conservation
   * and balances against the confirmed branches of the coordinator's log,
   * and that no reservation, frozen amount or incoming credit remains.
   */
  checkInvariants(input: InvariantInput): Promise<void>;
  /** Stops the apps and drops the databases. */
  stop(): Promise<void>;
}

/** Connection URLs of a stack's four databases. */
export interface StackDatabases {
  coordinator: string;
  inventory: string;
  shards: string[];
}

/**
 * A connection one app makes: to a database, or the coordinator's calls to
 * a participant (`busi` is the test participant).
 */
export type StackLink =
  | 'coordinator-db'
  | 'inventory-db'
  | 'shard-0-db'
  | 'shard-1-db'
  | 'busi-db'
  | 'inventory'
  | 'account'
  | 'busi';

/**
 * Gives the URL an app is handed for `link` instead of `url` (the database
 * URL, or the participant's public URL it registers): how a test puts a
 * fault-injecting proxy in between.
 */
export type LinkRoute = (link: StackLink, url: string) => Promise<string>;

/** Per-app environment overrides, e.g. a shorter `TCC_CALL_TIMEOUT_MS`. */
export interface StackOptions {
  name: string;
  env?: Partial<Record<AppName, Record<string, string>>>;
  route?: LinkRoute;
  /** Maintenance URL of another PostgreSQL server for these databases, one a test may stop and start. */
  servers?: Partial<Record<'coordinator' | 'inventory', string>>;
}

const FINAL_TIMEOUT_MS = 60_000;
const REGISTRATION_TIMEOUT_MS = 30_000;
// Generous: under a flash sale on a shared 2-core machine one request may wait on many others.
const REQUEST_TIMEOUT_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectOk(response: HttpResponse, what: string): void {
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
}

function isFinal(view: TransactionView): boolean {
  return view.status === TransactionStatus.Confirmed || view.status === TransactionStatus.Cancelled;
}

async function waitForRegistration(
  api: CoordinatorClient,
  expected: Record<string, string>,
): Promise<void> {
  const deadline = Date.now() + REGISTRATION_TIMEOUT_MS;
  let seen: unknown = null;
  while (Date.now() < deadline) {
    const response = await api.listParticipants();
    seen = response.body;
    if (response.ok) {
      const registered = new Map(response.body.items.map((item) => [item.name, item.baseUrl]));
      if (Object.entries(expected).every(([name, url]) => registered.get(name) === url)) return;
    }
    await sleep(100);
  }
  throw new Error(
    `participants not registered after ${REGISTRATION_TIMEOUT_MS} ms: ${JSON.stringify(seen)}`,
  );
}

/**
 * Creates four databases (coordinator, inventory, two account shards),
 * starts the coordinator and then both participants with unique secrets and
 * a fast recovery loop, and waits until both participants are registered.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const prefix = options.name
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase()
    .slice(0, 30);
  const secrets = {
    apiKey: `test-api-${randomBytes(8).toString('hex')}`,
    adminToken: `test-admin-${randomBytes(8).toString('hex')}`,
    signingSecret: `test-signing-${randomBytes(8).toString('hex')}`,
  };
  const common = {
    TCC_API_KEY: secrets.apiKey,
    TCC_ADMIN_TOKEN: secrets.adminToken,
    TCC_SIGNING_SECRET: secrets.signingSecret,
  };
  const databases: TestDatabase[] = [];
  const apps: AppProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(apps.map((app) => app.stop()));
    await Promise.all(databases.map((db) => db.drop()));
  };

  try {
    const route: LinkRoute = options.route ?? ((_link, url) => Promise.resolve(url));
    const servers = options.servers ?? {};
    databases.push(await createTestDatabase(`${prefix}_coord`, servers.coordinator));
    databases.push(await createTestDatabase(`${prefix}_inv`, servers.inventory));
    for (const role of ['acc0', 'acc1'])
      databases.push(await createTestDatabase(`${prefix}_${role}`));
    const [coordinatorDb, inventoryDb, shard0, shard1] = databases;

    const coordinatorEnv = {
      ...common,
      DATABASE_URL: await route('coordinator-db', coordinatorDb.url),
      // Recovery runs often and retries soon so that tests see outcomes quickly.
      TCC_RECOVERY_INTERVAL_MS: '200',
      TCC_RETRY_BASE_MS: '100',
      TCC_RETRY_MAX_MS: '1000',
      ...options.env?.coordinator,
    };
    const coordinator = await startApp('coordinator', coordinatorEnv);
    apps.push(coordinator);

    const publicUrls: Record<string, string> = {};
    const startParticipant = async (
      name: 'inventory' | 'account',
      databases: [StackLink, string][],
    ) => {
      const port = await freePort();
      const settings = appSettings(appByName(name), {
        port,
        databaseUrls: await Promise.all(databases.map(([link, url]) => route(link, url))),
        coordinatorUrl: coordinator.url,
      });
      publicUrls[name] = await route(name, settings.PUBLIC_URL);
      const env = { ...common, ...settings, PUBLIC_URL: publicUrls[name], ...options.env?.[name] };
      return startApp(name, env, { port });
    };
    const [inventory, account] = await Promise.all([
      startParticipant('inventory', [['inventory-db', inventoryDb.url]]),
      startParticipant('account', [
        ['shard-0-db', shard0.url],
        ['shard-1-db', shard1.url],
      ]),
    ]);
    apps.push(inventory, account);

    const api = new CoordinatorClient({
      baseUrl: coordinator.url,
      apiKey: secrets.apiKey,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    await waitForRegistration(api, publicUrls);
    const coordinators = [coordinator];
    const addCoordinator = async (env: Record<string, string> = {}): Promise<AppProcess> => {
      const added = await startApp('coordinator', { ...coordinatorEnv, ...env });
      apps.push(added);
      coordinators.push(added);
      return added;
    };
    return buildStack({
      apps: { coordinator, inventory, account },
      coordinators,
      addCoordinator,
      databases: {
        coordinator: coordinatorDb.url,
        inventory: inventoryDb.url,
        shards: [shard0.url, shard1.url],
      },
      secrets,
      api,
      stopAll,
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function buildStack(parts: {
  apps: Record<AppName, AppProcess>;
  coordinators: AppProcess[];
  addCoordinator: Stack['addCoordinator'];
  databases: StackDatabases;
  secrets: Stack['secrets'];
  api: CoordinatorClient;
  stopAll: () => Promise<void>;
}): Stack {
  const { apps, secrets, api } = parts;
  const { coordinator, inventory, account } = apps;
  const admin = new CoordinatorClient({
    baseUrl: coordinator.url,
    adminToken: secrets.adminToken,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
  const coordinatorHttp = httpClient(coordinator.url, secrets.apiKey);
  const inventoryApi = httpClient(inventory.url, secrets.apiKey);
  const accountApi = httpClient(account.url, secrets.apiKey);

  const read = async <T>(client: HttpClient, path: string): Promise<T> => {
    const response = await client.get<T>(path);
    expectOk(response, `GET ${path}`);
    return response.body;
  };

  const waitForFinal = async (id: string): Promise<TransactionView> => {
    const deadline = Date.now() + FINAL_TIMEOUT_MS;
    let last: unknown = null;
    while (Date.now() < deadline) {
      const response = await api.getTransaction(id);
      if (!response.ok)
        throw new Error(
          `GET /v1/transactions/${id} answered ${response.status}: ${JSON.stringify(response.body)}`,
        );
      if (isFinal(response.body)) return response.body;
      last = response.body;
      await sleep(100);
    }
    throw new Error(
      `transaction ${id} not final after ${FINAL_TIMEOUT_MS} ms: ${JSON.stringify(last)}`,
    );
  };

  const transactions = async (): Promise<TransactionSummary[]> => {
    const all: TransactionSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.listTransactions({ limit: 100, cursor });
      if (!page.ok)
        throw new Error(
          `GET /v1/transactions answered ${page.status}: ${JSON.stringify(page.body)}`,
        );
      all.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    return all;
  };

  const checkInvariants = async (input: InvariantInput): Promise<void> => {
    const listed = await transactions();
    // Read each one in full: list items need not carry every branch.
    const final = await Promise.all(listed.map((item) => waitForFinal(item.id)));
    const net: Record<string, number> = {};
    const sold: Record<string, number> = {};
    for (const tx of final.filter((view) => view.status === TransactionStatus.Confirmed)) {
      for (const branch of tx.branches) {
        const payload = branch.payload as {
          accountId?: string;
          amount?: number;
          sku?: string;
          quantity?: number;
        };
        if (
          branch.participant === 'account' &&
          payload.accountId !== undefined &&
          payload.amount !== undefined
        ) {
          const sign = branch.action === 'credit' ? 1 : branch.action === 'debit' ? -1 : 0;
          net[payload.accountId] = (net[payload.accountId] ?? 0) + sign * payload.amount;
        }
        if (
          branch.participant === 'inventory' &&
          branch.action === 'reserve' &&
          payload.sku !== undefined
        ) {
          sold[payload.sku] = (sold[payload.sku] ?? 0) + (payload.quantity ?? 0);
        }
      }
    }

    const expected: Record<string, unknown> = {};
    const actual: Record<string, unknown> = {};
    for (const [id, opening] of Object.entries(input.accounts ?? {})) {
      const view = await read<AccountView>(accountApi, `/accounts/${encodeURIComponent(id)}`);
      expected[`account ${id}`] = { balance: opening + (net[id] ?? 0), frozen: 0, incoming: 0 };
      actual[`account ${id}`] = {
        balance: view.balance,
        frozen: view.frozen,
        incoming: view.incoming,
      };
    }
    for (const [sku, total] of Object.entries(input.skus ?? {})) {
      const view = await read<StockView>(inventoryApi, `/stock/${encodeURIComponent(sku)}`);
      expected[`sku ${sku}`] = {
        total,
        reserved: 0,
        sold: sold[sku] ?? 0,
        availableNonNegative: true,
      };
      actual[`sku ${sku}`] = {
        total: view.available + view.reserved + view.sold,
        reserved: view.reserved,
        sold: view.sold,
        availableNonNegative: view.available >= 0,
      };
    }
    expect(actual).toEqual(expected);
  };

  return {
    apps,
    coordinators: parts.coordinators,
    addCoordinator: parts.addCoordinator,
    databases: parts.databases,
    secrets,
    api,
    admin,
    coordinatorHttp,
    inventoryApi,
    accountApi,
    seedAccount: async (id, balance) => {
      const response = await accountApi.put(
        `/accounts/${encodeURIComponent(id)}`,
        { balance },
        { token: secrets.adminToken },
      );
      expectOk(response, `PUT /accounts/${id}`);
    },
    seedStock: async (sku, available) => {
      const response = await inventoryApi.put(
        `/stock/${encodeURIComponent(sku)}`,
        { available },
        { token: secrets.adminToken },
      );
      expectOk(response, `PUT /stock/${sku}`);
    },
    seedCrossShardPair: async (prefix, balance) => {
      const seen = new Map<string, string>();
      for (let i = 0; i < 64; i += 1) {
        const id = `${prefix}-${i}`;
        const response = await accountApi.put(
          `/accounts/${encodeURIComponent(id)}`,
          { balance },
          { token: secrets.adminToken },
        );
        expectOk(response, `PUT /accounts/${id}`);
        const { shard } = await read<AccountView>(
          accountApi,
          `/accounts/${encodeURIComponent(id)}`,
        );
        const other = [...seen].find(([otherShard]) => otherShard !== shard);
        if (other) return [other[1], id];
        seen.set(shard, id);
      }
      throw new Error(`64 accounts all landed on one shard: ${[...seen.keys()].join(', ')}`);
    },
    account: (id) => read<AccountView>(accountApi, `/accounts/${encodeURIComponent(id)}`),
    stock: (sku) => read<StockView>(inventoryApi, `/stock/${encodeURIComponent(sku)}`),
    order: (id) => read<OrderView>(inventoryApi, `/orders/${encodeURIComponent(id)}`),
    waitForFinal,
    transactions,
    checkInvariants,
    stop: parts.stopAll,
  };
}
