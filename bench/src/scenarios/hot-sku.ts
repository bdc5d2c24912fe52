import { randomBytes } from 'node:crypto';
import {
  DEADLINE_HEADER,
  Phase,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signCall,
} from '@app/protocol';
import { CpuShares, watchCpu } from '../cpu';
import { AppClient, JsonAnswer } from '../http';
import { closedLoop, quantile } from '../load';
import { ProgressLine } from '../progress';
import { BenchStack } from '../stack';

/** Reservations one mode sustained on one SKU, and whether it sold exactly its stock. */
export interface HotSkuMode {
  batched: boolean;
  reservationsPerS: number;
  p99Ms: number;
  completed: number;
  errors: number;
  errorSamples: string[];
  /** The SKU's reserved units equal the tries answered 200 (warm-up included). */
  counted: boolean;
  /** A sell-out of `sellOutStock` units: tries answered 200 (must equal the stock). */
  sellOutGranted: number;
  sellOutStock: number;
  /** Units granted beyond the stock (must be 0). */
  oversold: number;
  /** Where the machine's CPU went during the timed load. */
  cpu: CpuShares;
}

/** Confirms and cancels of batched reservations, each sent on its own. */
export interface BarrierCheck {
  sample: number;
  confirmed: number;
  cancelled: number;
  /** Every repeat answered as stored: confirm again 200, cancel after confirm 409, confirm after cancel 409, try again 200. */
  repeatsAsStored: boolean;
  /** Stock moved by exactly the confirmed and cancelled units. */
  stockMatches: boolean;
}

/** Both modes and the ratio between them. */
export interface HotSkuResult {
  unbatched: HotSkuMode;
  batched: HotSkuMode;
  ratio: number;
  barrier: BarrierCheck;
}

interface BranchKey {
  transactionId: string;
  branchId: string;
}

interface StockView {
  available: number;
  reserved: number;
  sold: number;
}

const SELL_OUT_STOCK = 1000;
const BARRIER_SAMPLE = 200;

/** Signs and sends one phase call the way the coordinator does. */
function phaseCall(
  client: AppClient,
  secret: string,
  phase: Phase,
  key: BranchKey,
  payload: object,
): Promise<JsonAnswer<{ code?: string; repeated?: boolean }>> {
  const path = `/tcc/reserve/${phase}`;
  const body = JSON.stringify({ ...key, payload });
  const timestamp = String(Date.now());
  const deadline = phase === 'try' ? String(Date.now() + 120_000) : '';
  const headers: Record<string, string> = {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: signCall(secret, { timestamp, method: 'POST', path, deadline, body }),
  };
  if (deadline) headers[DEADLINE_HEADER] = deadline;
  return client.send('POST', path, body, headers);
}

async function seedSku(stack: BenchStack, sku: string, available: number): Promise<void> {
  const answer = await stack.inventoryAdmin.send('PUT', `/stock/${sku}`, { available });
  if (answer.status !== 201) throw new Error(`PUT /stock/${sku} answered ${answer.status}`);
}

async function readStock(stack: BenchStack, sku: string): Promise<StockView> {
  return (await stack.inventoryAdmin.send<StockView>('GET', `/stock/${sku}`)).body;
}

/**
 * One mode: the inventory restarted with TCC_HOT_SKU_BATCHING, `callers`
 * signed tries at a time on one SKU for `durationMs`, then a sell-out of
 * a small SKU by the same callers, which must grant exactly its stock.
 */
async function runMode(
  stack: BenchStack,
  batched: boolean,
  options: { callers: number; durationMs: number; warmupMs: number; progress: ProgressLine },
): Promise<{ mode: HotSkuMode; granted: BranchKey[]; sku: string }> {
  await stack.restartApp('inventory', { TCC_HOT_SKU_BATCHING: String(batched) });
  const tag = `${batched ? 'b' : 'u'}-${randomBytes(3).toString('hex')}`;
  const sku = `hot-${tag}`;
  const stockUnits = 100_000_000;
  await seedSku(stack, sku, stockUnits);
  const client = new AppClient(stack.apps.inventory.url, options.callers);
  const secret = stack.secrets.signingSecret;
  const granted: BranchKey[] = [];
  const label = batched ? 'hot SKU, batched' : 'hot SKU, unbatched';
  try {
    let sent = 0;
    let stopCpu: (() => CpuShares) | undefined;
    const load = await closedLoop({
      label,
      callers: options.callers,
      durationMs: options.durationMs,
      // Warm-up reservations come off the same SKU and count as granted: the stock check holds.
      warmupMs: options.warmupMs,
      onMeasureStart: () => {
        stopCpu = watchCpu(
          { inventory: stack.apps.inventory.pid },
          stack.postmasterPid === null ? {} : { PostgreSQL: stack.postmasterPid },
        );
      },
      progress: options.progress,
      request: async () => {
        const key = { transactionId: `ht-${tag}-${(sent += 1)}`, branchId: 'b' };
        const answer = await phaseCall(client, secret, 'try', key, { sku, quantity: 1 });
        if (answer.status === 200) {
          granted.push(key);
          return { ok: true };
        }
        return { ok: false, error: `${answer.status} ${answer.body.code ?? ''}` };
      },
    });
    if (!stopCpu) throw new Error('the hot-SKU load ended before its measured window');
    const cpu = stopCpu();
    const stock = await readStock(stack, sku);

    const small = `sell-${tag}`;
    await seedSku(stack, small, SELL_OUT_STOCK);
    let sellOutGranted = 0;
    const sellOut = await closedLoop({
      label: `${label}, sell-out`,
      callers: options.callers,
      durationMs: null,
      progress: options.progress,
      status: () => `${sellOutGranted}/${SELL_OUT_STOCK} granted`,
      request: async () => {
        const key = { transactionId: `so-${tag}-${(sent += 1)}`, branchId: 'b' };
        const answer = await phaseCall(client, secret, 'try', key, { sku: small, quantity: 1 });
        if (answer.status === 200) {
          sellOutGranted += 1;
          return { ok: true };
        }
        if (answer.status === 409 && answer.body.code === 'INSUFFICIENT_STOCK') return 'stop';
        return { ok: false, error: `${answer.status} ${answer.body.code ?? ''}` };
      },
    });
    const smallStock = await readStock(stack, small);
    return {
      sku,
      granted,
      mode: {
        batched,
        reservationsPerS: load.completed / (load.elapsedMs / 1000),
        p99Ms: quantile(load.latenciesMs, 0.99),
        completed: load.completed,
        errors: load.errors + sellOut.errors,
        errorSamples: [...load.errorSamples, ...sellOut.errorSamples],
        counted:
          stock.reserved === granted.length && stock.available === stockUnits - granted.length,
        sellOutGranted,
        sellOutStock: SELL_OUT_STOCK,
        oversold: Math.max(
          0,
          sellOutGranted - SELL_OUT_STOCK,
          smallStock.reserved - SELL_OUT_STOCK,
        ),
        cpu,
      },
    };
  } finally {
    await client.close();
  }
}

/**
 * Settles a sample of batched reservations one call at a time, half
 * confirmed and half cancelled, then repeats calls whose answers the
 * barrier must give from what it stored.
 */
async function checkBarrier(
  stack: BenchStack,
  sku: string,
  granted: BranchKey[],
): Promise<BarrierCheck> {
  const sample = granted.slice(0, Math.min(BARRIER_SAMPLE, granted.length));
  const toConfirm = sample.slice(0, Math.floor(sample.length / 2));
  const toCancel = sample.slice(toConfirm.length);
  const client = new AppClient(stack.apps.inventory.url, 32);
  const secret = stack.secrets.signingSecret;
  const payload = { sku, quantity: 1 };
  const call = (phase: Phase, key: BranchKey) => phaseCall(client, secret, phase, key, payload);
  try {
    const before = await readStock(stack, sku);
    const [confirms, cancels] = await Promise.all([
      Promise.all(toConfirm.map((key) => call('confirm', key))),
      Promise.all(toCancel.map((key) => call('cancel', key))),
    ]);
    const after = await readStock(stack, sku);
    const repeats = await Promise.all([
      ...toConfirm.map(async (key) => (await call('confirm', key)).status === 200),
      ...toConfirm.map(async (key) => {
        const answer = await call('cancel', key);
        return answer.status === 409 && answer.body.code === 'ALREADY_CONFIRMED';
      }),
      ...toCancel.map(async (key) => (await call('confirm', key)).status === 409),
      ...toConfirm.map(async (key) => {
        const answer = await call('try', key);
        return answer.status === 200 && answer.body.repeated === true;
      }),
    ]);
    const repeatedStock = await readStock(stack, sku);
    return {
      sample: sample.length,
      confirmed: confirms.filter((answer) => answer.status === 200).length,
      cancelled: cancels.filter((answer) => answer.status === 200).length,
      repeatsAsStored: repeats.every(Boolean),
      stockMatches:
        after.sold === before.sold + toConfirm.length &&
        after.reserved === before.reserved - sample.length &&
        after.available === before.available + toCancel.length &&
        JSON.stringify(repeatedStock) === JSON.stringify(after),
    };
  } finally {
    await client.close();
  }
}

/** Unbatched, then batched (the inventory keeps running batched), then the barrier check. */
export async function runHotSku(
  stack: BenchStack,
  options: { callers: number; durationMs: number; warmupMs: number; progress: ProgressLine },
): Promise<HotSkuResult> {
  const unbatched = await runMode(stack, false, options);
  const batched = await runMode(stack, true, options);
  const barrier = await checkBarrier(stack, batched.sku, batched.granted);
  return {
    unbatched: unbatched.mode,
    batched: batched.mode,
    ratio: batched.mode.reservationsPerS / Math.max(unbatched.mode.reservationsPerS, 0.001),
    barrier,
  };
}
