import { CoordinatorClient } from '@app/coordinator-client';
import type { BeginTransactionRequest, BranchRequest } from '@app/protocol';
import { credit, debit, reserve } from '../../support/branches';
import type { Stack } from '../../support/stack';
import type { Ledger } from './consistency';
import type { Random } from './random';
import { sleep } from './waiting';

/** Accounts and SKUs seeded for a load, all recorded in a ledger. */
export interface Workload {
  prefix: string;
  customers: string[];
  shop: string;
  skus: string[];
}

/** How much to seed. */
export interface WorkloadSize {
  customers: number;
  balance: number;
  skus: number;
  stock: number;
}

/** Seeds customers, a shop account and SKUs named after `prefix`, and records them in `ledger`. */
export async function seedWorkload(
  stack: Stack,
  ledger: Ledger,
  prefix: string,
  size: WorkloadSize,
): Promise<Workload> {
  const customers = Array.from({ length: size.customers }, (_, i) => `${prefix}-c${i}`);
  const shop = `${prefix}-shop`;
  const skus = Array.from({ length: size.skus }, (_, i) => `${prefix}-sku${i}`);
  for (const id of customers) {
    await stack.seedAccount(id, size.balance);
    ledger.accounts[id] = size.balance;
  }
  await stack.seedAccount(shop, 0);
  ledger.accounts[shop] = 0;
  for (const sku of skus) {
    await stack.seedStock(sku, size.stock);
    ledger.skus[sku] = size.stock;
  }
  return { prefix, customers, shop, skus };
}

/**
 * A random transaction of the workload: a transfer between two customers
 * (which may well be on different shards) or a purchase — reserve with an
 * order, debit the buyer, credit the shop. About one in twenty asks for
 * more than anyone has, so refusals and cancels are part of every load.
 */
export function randomTransaction(
  random: Random,
  workload: Workload,
  n: number,
  timeoutMs: number,
): BeginTransactionRequest {
  const buyer = random.pick(workload.customers);
  const tooMuch = random.chance(0.05);
  let branches: BranchRequest[];
  if (random.chance(0.5)) {
    let payee = random.pick(workload.customers);
    while (payee === buyer) payee = random.pick(workload.customers);
    const amount = tooMuch ? 1_000_000_000 : random.int(1, 500);
    branches = [debit(buyer, amount), credit(payee, amount)];
  } else {
    const quantity = random.int(1, 3);
    const price = tooMuch ? 1_000_000_000 : quantity * random.int(50, 150);
    branches = [
      reserve(random.pick(workload.skus), quantity, `${workload.prefix}-o${n}`),
      debit(buyer, price),
      credit(workload.shop, price),
    ];
  }
  return { branches, timeoutMs };
}

/** How a load is driven. */
export interface LoadOptions {
  /** Coordinators to spread requests over; each request (and each retry) picks one at random. */
  coordinatorUrls: () => string[];
  apiKey: string;
  count: number;
  concurrency: number;
  random: Random;
  /** Idempotency keys are `<keyPrefix>-<n>`, so a retry can never run a transaction twice. */
  keyPrefix: string;
  build: (n: number) => BeginTransactionRequest;
  /** Gives up on one transaction after this many tries without an answer below 500. */
  attempts?: number;
  /** Called after each answered transaction with how many have been answered. */
  onAnswer?: (answered: number) => void;
}

/** What the clients saw. */
export interface LoadReport {
  /** `<http status> <transaction status or problem code>` → count, for the final answer of each transaction. */
  answers: Record<string, number>;
  /** Requests that got no HTTP answer or a 5xx and were sent again. */
  retries: number;
  /** Transactions that never got an answer below 500. */
  unanswered: number;
  /** Ids of the transactions that were answered, with the coordinator that answered. */
  answeredBy: Map<string, string>;
  /** Ids of the transactions that were answered, with the status the client was told. */
  told: Map<string, string>;
}

/**
 * Answers whose HTTP status contradicts the transaction status they carry:
 * 200 for an unfinished transaction, 202 for a finished one.
 */
export function contradictoryAnswers(report: LoadReport): string[] {
  return Object.keys(report.answers).filter((key) =>
    /^200 (TRYING|CONFIRMING|CANCELLING)$|^202 (CONFIRMED|CANCELLED)$/.test(key),
  );
}

const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Runs `count` transactions with `concurrency` clients. A client that gets
 * no answer or a 5xx sends the same request with the same Idempotency-Key
 * again, perhaps to another coordinator: what a careful client does when
 * a coordinator dies under it.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = {
    answers: {},
    retries: 0,
    unanswered: 0,
    answeredBy: new Map(),
    told: new Map(),
  };
  const clients = new Map<string, CoordinatorClient>();
  const client = (url: string): CoordinatorClient => {
    let existing = clients.get(url);
    if (!existing) {
      existing = new CoordinatorClient({
        baseUrl: url,
        apiKey: options.apiKey,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      clients.set(url, existing);
    }
    return existing;
  };
  const attempts = options.attempts ?? 40;
  let next = 0;
  let answered = 0;

  const runOne = async (n: number): Promise<void> => {
    const request = options.build(n);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const url = options.random.pick(options.coordinatorUrls());
      try {
        const response = await client(url).beginTransaction(request, {
          idempotencyKey: `${options.keyPrefix}-${n}`,
        });
        if (response.status < 500) {
          const what = response.ok ? response.body.status : response.body.code;
          const key = `${response.status} ${what}`;
          report.answers[key] = (report.answers[key] ?? 0) + 1;
          if (response.ok) {
            report.answeredBy.set(response.body.id, url);
            report.told.set(response.body.id, response.body.status);
          }
          answered += 1;
          options.onAnswer?.(answered);
          return;
        }
      } catch {
        // No answer: the coordinator died or the connection broke; the key makes a retry safe.
      }
      report.retries += 1;
      await sleep(Math.min(1000, 50 * attempt));
    }
    report.unanswered += 1;
  };

  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.count) {
        const n = next++;
        await runOne(n);
      }
    }),
  );
  return report;
}
