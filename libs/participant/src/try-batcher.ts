import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TryBatching } from './action';
import { BatchAnswer, QueuedTry, runTryBatch } from './batch-barrier';

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
 * and a hot key batches by itself, as deep as its load.
 */
@Injectable()
export class TryBatcher {
  private readonly queues = new Map<DataSource, Map<string, Waiting[]>>();

  /** Queues a try behind the others of its action and key; resolves after its batch committed. */
  submit(
    dataSource: DataSource,
    action: { name: string; batch: TryBatching<object> },
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
      void this.drain(dataSource, action.batch, keyed, key, started);
    });
  }

  /** The worker of one key; it alone takes from that key's queue, and never throws. */
  private async drain(
    dataSource: DataSource,
    batching: TryBatching<object>,
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
          (manager, tries) => batching.tryMany(manager, tries),
        );
        batch.forEach((waiting, index) => waiting.resolve(answers[index]));
      } catch (error) {
        // The batch rolled back as a whole: every caller gets a 500 and the coordinator asks again.
        for (const waiting of batch) waiting.reject(error);
      }
    }
    byKey.delete(key);
  }
}
