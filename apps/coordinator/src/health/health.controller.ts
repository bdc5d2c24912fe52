import { Controller, Get, Res } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '@app/http';
import { HealthDocs, OperationsTag, ReadinessDocs } from '../docs/endpoint-docs';
import { LogAvailability } from '../log/log-availability';
import { WithoutLog } from '../log/log-availability.interceptor';
import { RecoveryHealthIndicator } from './recovery.indicator';

type UpDown = 'up' | 'down';

/** `GET /health/ready`: liveness, plus whether this coordinator's recovery loop keeps running. */
export interface ReadinessView {
  status: 'ok' | 'error';
  database: UpDown;
  recovery: UpDown;
  recoveryLastRunAt: string | null;
  /** Why it is not ready, in words for an operator; null when it is. */
  reason: string | null;
}

/**
 * Liveness with the database (`/health`), and readiness (`/health/ready`):
 * a coordinator whose recovery loop stopped still answers requests but
 * leaves decided transactions unfinished, so it should take no traffic.
 * Open to load balancers and orchestrators.
 */
@Public()
@WithoutLog()
@OperationsTag()
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: TypeOrmHealthIndicator,
    private readonly recovery: RecoveryHealthIndicator,
    private readonly log: LogAvailability,
  ) {}

  @Get()
  @HealthDocs()
  async check(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: 'ok' | 'error'; database: UpDown }> {
    const database = await this.pingDatabase();
    if (database === 'up') return { status: 'ok', database };
    response.status(503);
    return { status: 'error', database };
  }

  @Get('ready')
  @ReadinessDocs()
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessView> {
    const database = await this.pingDatabase();
    const recovery = this.recovery.check().recovery;
    const lastRunAt = recovery.lastRunAt as string | null;
    const outage = this.log.outage();
    let reason: string | null = null;
    if (database === 'down') {
      reason = outage
        ? `the transaction log's database is unreachable since ${outage.since}: ${outage.reason}`
        : "the transaction log's database does not answer";
    } else if (recovery.status === 'down') {
      reason = `no recovery pass has ended since ${lastRunAt ?? 'this coordinator started'}`;
    }
    if (reason) response.status(503);
    return {
      status: reason ? 'error' : 'ok',
      database,
      recovery: recovery.status,
      recoveryLastRunAt: lastRunAt,
      reason,
    };
  }

  /** Down at once while the log is known to be unreachable; otherwise a ping of at most 2 s. */
  private async pingDatabase(): Promise<UpDown> {
    if (this.log.outage()) return 'down';
    const result = await this.database.pingCheck('database', { timeout: 2000 });
    return result.database.status;
  }
}
