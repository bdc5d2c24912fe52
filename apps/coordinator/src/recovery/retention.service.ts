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

/**
 * Purges finished transactions older than TCC_RETENTION_DAYS: hourly, the
 * first time a minute after start, in small batches with a pause between
 * them so the log's live traffic never waits behind a long delete.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionService.name);
  private running: Promise<number> | null = null;
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

  /** Purges everything that is due now; returns how many transactions were deleted. */
  async purgeOnce(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const deleted = await this.retention.purgeFinishedBatch(
        this.manager,
        this.config.retentionDays,
        BATCH,
      );
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

  private async report(run: Promise<number>): Promise<void> {
    try {
      const deleted = await run;
      if (deleted > 0) this.logger.log(`Purged ${deleted} finished transaction(s).`);
    } catch (error) {
      this.logger.error(`Retention purge failed: ${String(error)}`);
    } finally {
      this.running = null;
    }
  }
}
