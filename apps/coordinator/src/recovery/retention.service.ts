import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { RetentionRepository } from '../log/retention.repository';

const FIRST_RUN_MS = 60_000;
const EVERY_MS = 60 * 60_000;
const BATCH = 500;
const PAUSE_MS = 200;

/** What one purge deleted. */
export interface Purged {
  transactions: number;
  /** Records of idempotency keys, which then become free. */
  keys: number;
}

/**
 * Purges finished transactions older than TCC_RETENTION_DAYS, and the
 * records of their idempotency keys older than TCC_IDEMPOTENCY_RETENTION_DAYS:
 * hourly, the first time a minute after start, in small batches with a
 * pause between them so the log's live traffic never waits behind a long
 * delete.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionService.name);
  private running: Promise<Purged> | null = null;
  private stopped = false;

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly scheduler: SchedulerRegistry,
    private readonly retention: RetentionRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.addTimeout(
      'tcc-retention-first',
      setTimeout(() => this.tick(), FIRST_RUN_MS),
    );
    this.scheduler.addInterval(
      'tcc-retention',
      setInterval(() => this.tick(), EVERY_MS),
    );
  }

  /** Stops the schedule and waits for a purge in progress (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [kind, name] of [
      ['timeout', 'tcc-retention-first'],
      ['interval', 'tcc-retention'],
    ] as const) {
      if (!this.scheduler.doesExist(kind, name)) continue;
      if (kind === 'timeout') this.scheduler.deleteTimeout(name);
      else this.scheduler.deleteInterval(name);
    }
    await this.running?.catch(() => undefined);
  }

  /** Purges everything that is due now. */
  async purgeOnce(): Promise<Purged> {
    const { retentionDays, idempotencyRetentionDays } = this.config;
    return {
      transactions: await this.inBatches((limit) =>
        this.retention.purgeFinishedBatch(this.manager, retentionDays, limit),
      ),
      keys: await this.inBatches((limit) =>
        this.retention.purgeKeysBatch(this.manager, idempotencyRetentionDays, limit),
      ),
    };
  }

  /** Runs `batch` until it deletes fewer than a full batch; returns how many it deleted. */
  private async inBatches(batch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const deleted = await batch(BATCH);
      total += deleted;
      if (deleted < BATCH) break;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
    return total;
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = this.purgeOnce();
    void this.report(this.running);
  }

  private async report(run: Promise<Purged>): Promise<void> {
    try {
      const { transactions, keys } = await run;
      if (transactions > 0) this.logger.log(`Purged ${transactions} finished transaction(s).`);
      if (keys > 0) this.logger.log(`Forgot ${keys} idempotency key(s) past their retention.`);
    } catch (error) {
      this.logger.error(`Retention purge failed: ${String(error)}`);
    } finally {
      this.running = null;
    }
  }
}
