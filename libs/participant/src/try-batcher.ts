import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { PhaseContext, TccAction, TryBatching } from './action';
import { runTry } from './barrier';
import { BatchAnswer, QueuedTry, runTryBatch } from './batch-barrier';

/** An action that applies its tries in batches. */
export type BatchedAction = TccAction<object> & { batch: TryBatching<object> };

/** True when `action` applies its tries in batches. */
export function isBatched(action: TccAction<object>): action is BatchedAction {
  return action.batch !== undefined;
}

/**
 * Most tries one batch takes. Big enough that a flash sale's callers fit in
 * a few batches; small enough that one batch's transaction stays short.
 */
export const MAX_BATCH = 500;

interface Waiting {
  entry: QueuedTry<object>;
  resolve(answer: BatchAnswer): void;
  reject(error: unknown): void;
}

/**
 * The per-key queues of batched tries. The first try of an idle key starts
 * that key's worker, which takes whatever has queued (up to
 * {@link MAX_BATCH}), applies it in one local transaction, answers those
 * callers once it committed, and goes on while tries keep arriving; tries
 * that arrive during a batch form the next one. So a lone try runs at once,
 * and a hot key batches by itself, as deep as its load. A batch whose
 * transaction fails as a whole (a deadlock, a lost connection, an order id
 * taken meanwhile) is run again one try at a time, in arrival order, so
 * each caller gets the answer its try would have got alone.
 */
@Injectable()
export class TryBatcher {
  private readonly queues = new Map<DataSource, Map<string, Waiting[]>>();

  /** Queues a try behind the others of its action and key; resolves after its batch committed. */
  submit(
    dataSource: DataSource,
    action: BatchedAction,
    entry: QueuedTry<object>,
  ): Promise<BatchAnswer> {
    const key = `${action.name}\u0000${action.batch.key(entry.payload)}`;
    let byKey = this.queues.get(dataSource);
    if (!byKey) {
      byKey = new Map();
      this.queues.set(dataSource, byKey);
    }
    const keyed = byKey;
    return new Promise((resolve, reject) => {
      const queue = keyed.get(key);
      if (queue) {
        queue.push({ entry, resolve, reject });
        return;
      }
      const started = [{ entry, resolve, reject }];
      keyed.set(key, started);
      void this.drain(dataSource, action, keyed, key, started);
    });
  }

  /** The worker of one key; it alone takes from that key's queue, and never throws. */
  private async drain(
    dataSource: DataSource,
    action: BatchedAction,
    byKey: Map<string, Waiting[]>,
    key: string,
    queue: Waiting[],
  ): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        const answers = await runTryBatch(
          dataSource,
          batch.map((waiting) => waiting.entry),
          Date.now(),
          (manager, tries) => action.batch.tryMany(manager, tries),
        );
        batch.forEach((waiting, index) => waiting.resolve(answers[index]));
      } catch {
        // The batch rolled back as a whole, so none of its tries happened: each runs alone now.
        await runAlone(dataSource, action, batch);
      }
    }
    byKey.delete(key);
  }
}

/** Runs each try of a failed batch in its own local transaction; a failure answers only its caller. */
async function runAlone(
  dataSource: DataSource,
  action: BatchedAction,
  batch: readonly Waiting[],
): Promise<void> {
  for (const waiting of batch) {
    const { entry } = waiting;
    const context = (manager: PhaseContext<object>['manager']): PhaseContext<object> => ({
      manager,
      payload: entry.payload,
      ...entry.key,
    });
    try {
      waiting.resolve(
        await runTry(dataSource, entry.key, entry.deadlineMs, Date.now(), (manager) =>
          action.try(context(manager)),
        ),
      );
    } catch (error) {
      waiting.reject(error);
    }
  }
}
