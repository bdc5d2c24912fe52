import type { BranchRequest, Phase } from '@app/protocol';
import { createTestDatabase } from '../support/db';
import { httpClient, HttpClient } from '../support/http';
import { freePort } from '@app/database';
import { NodeProcess, startProcess } from '../support/processes';
import type { LinkRoute, Stack } from '../support/stack';
import { BUSI_ENTRY } from './busi-build';
import type { CallRecord } from './busi/call-log';
import type { FaultMode } from './busi/faults';
import type { WalletView } from './busi/wallets';

/** A fault rule as `POST /control` takes it. */
export interface FaultRuleInput {
  mode: FaultMode;
  times?: number;
  hangMs?: number;
}

/** Faults a `pay` payload carries for its own branch, per phase. */
export type PayloadFaultsInput = Partial<Record<Phase, FaultRuleInput>>;

/** `busi.pay`: holds `amount` of `wallet` on try, uses it on confirm; `faults` apply to this branch only. */
export function pay(wallet: string, amount: number, faults?: PayloadFaultsInput): BranchRequest {
  return {
    participant: 'busi',
    action: 'pay',
    payload: faults ? { wallet, amount, faults } : { wallet, amount },
  };
}

/** The running test participant, registered with a stack's coordinator as "busi". */
export interface Busi {
  process: NodeProcess<'busi'>;
  url: string;
  databaseUrl: string;
  /** Admin-token HTTP client of the participant. */
  http: HttpClient;
  /** Sets the fault of one phase; `{ mode: 'ok' }` clears it. */
  control(phase: Phase, rule: FaultRuleInput): Promise<void>;
  /** Phase calls the participant received (since its last start), oldest first. */
  calls(transactionId?: string): Promise<CallRecord[]>;
  openWallet(id: string, available: number): Promise<void>;
  wallet(id: string): Promise<WalletView>;
  stop(): Promise<void>;
}

const REGISTRATION_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ok<T>(response: { status: number; body: T }, what: string): T {
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/**
 * Starts the test participant on its own database with the stack's secrets,
 * pointed at the stack's first coordinator, and waits until it is registered
 * (under the public URL `route` gives, when one is passed).
 */
export async function startBusi(stack: Stack, route?: LinkRoute): Promise<Busi> {
  const database = await createTestDatabase('busi');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const publicUrl = route ? await route('busi', url) : url;
  let child: NodeProcess<'busi'>;
  try {
    child = await startProcess(
      'busi',
      BUSI_ENTRY,
      {
        TCC_API_KEY: stack.secrets.apiKey,
        TCC_ADMIN_TOKEN: stack.secrets.adminToken,
        TCC_SIGNING_SECRET: stack.secrets.signingSecret,
        COORDINATOR_URL: stack.apps.coordinator.url,
        PUBLIC_URL: publicUrl,
        DATABASE_URL: route ? await route('busi-db', database.url) : database.url,
      },
      { port },
    );
  } catch (error) {
    await database.drop();
    throw error;
  }
  const http = httpClient(url, stack.secrets.adminToken);
  const busi: Busi = {
    process: child,
    url,
    databaseUrl: database.url,
    http,
    control: async (phase, rule) => {
      ok(await http.post('/control', { phase, ...rule }), `POST /control ${phase}`);
    },
    calls: async (transactionId) => {
      const query = transactionId ? `?transactionId=${encodeURIComponent(transactionId)}` : '';
      return ok(await http.get<{ items: CallRecord[] }>(`/calls${query}`), 'GET /calls').items;
    },
    openWallet: async (id, available) => {
      ok(await http.put(`/wallets/${encodeURIComponent(id)}`, { available }), `PUT /wallets/${id}`);
    },
    wallet: async (id) =>
      ok(await http.get<WalletView>(`/wallets/${encodeURIComponent(id)}`), `GET /wallets/${id}`),
    stop: async () => {
      await child.stop();
      await database.drop();
    },
  };
  const deadline = Date.now() + REGISTRATION_TIMEOUT_MS;
  for (;;) {
    const listed = await stack.api.listParticipants();
    if (
      listed.ok &&
      listed.body.items.some((item) => item.name === 'busi' && item.baseUrl === publicUrl)
    ) {
      return busi;
    }
    if (Date.now() > deadline) {
      await busi.stop();
      throw new Error(`busi not registered after ${REGISTRATION_TIMEOUT_MS} ms`);
    }
    await sleep(100);
  }
}
