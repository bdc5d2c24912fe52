import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PARTICIPANT_OPTIONS, ParticipantOptions } from './options';
import { runSql } from '@app/database/prepared';

/**
 * Deletes barrier rows of settled branches (a 'confirm' or 'cancel' row
 * exists) older than `olderThanDays`, in batches; never a lone 'try' row,
 * whose branch the coordinator may still settle. Returns rows deleted.
 */
export async function purgeSettledBarriers(
  dataSource: DataSource,
  olderThanDays: number,
  batchSize = 500,
): Promise<number> {
  let total = 0;
  for (;;) {
    // Each batch is its own short statement so the purge never holds many row locks at once.
    const { rowCount } = await runSql(
      dataSource.manager,
      `WITH settled AS (
         SELECT DISTINCT transaction_id, branch_id FROM tcc_barrier
         WHERE phase IN ('confirm', 'cancel')
           AND created_at < now() - make_interval(days => $1::int)
         LIMIT $2)
       DELETE FROM tcc_barrier b
       USING settled s
       WHERE b.transaction_id = s.transaction_id AND b.branch_id = s.branch_id`,
      [olderThanDays, batchSize],
    );
    total += rowCount;
    if (rowCount === 0) return total;
  }
}

const FIRST_RUN_MS = 60_000;
const INTERVAL_MS = 60 * 60_000;

/**
 * Hourly purge of settled barrier rows older than `retentionDays`
 * (TCC_RETENTION_DAYS) in every barrier database; off when the app passes no
 * `retentionDays`.
 */
@Injectable()
export class ParticipantRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ParticipantRetention');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(@Inject(PARTICIPANT_OPTIONS) private readonly options: ParticipantOptions) {}

  onApplicationBootstrap(): void {
    if (this.options.retentionDays === undefined) return;
    this.schedule(FIRST_RUN_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => 0);
  }

  /** Purges every barrier database once; returns rows deleted. Runs at most once at a time. */
  purgeOnce(): Promise<number> {
    this.running ??= this.purgeAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async purgeAll(): Promise<number> {
    const days = this.options.retentionDays;
    if (days === undefined) return 0;
    const targets =
      this.options.barrierDataSources ?? (this.options.dataSource ? [this.options.dataSource] : []);
    let total = 0;
    for (const dataSource of targets) total += await purgeSettledBarriers(dataSource, days);
    if (total > 0) this.logger.log(`purged ${total} barrier rows older than ${days} days`);
    return total;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.purgeOnce()
        .catch((error: unknown) => {
          this.logger.warn(
            `barrier purge failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        })
        .finally(() => {
          if (this.timer !== undefined) this.schedule(INTERVAL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }
}
