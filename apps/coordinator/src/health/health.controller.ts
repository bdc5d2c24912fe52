import { Controller, Get, Res } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '@app/http';
import { HealthDocs, OperationsTag, ReadinessDocs } from '../docs/endpoint-docs';
import { RecoveryHealthIndicator } from './recovery.indicator';

type UpDown = 'up' | 'down';

/** `GET /health/ready`: liveness, plus whether this coordinator's recovery loop keeps running. */
export interface ReadinessView {
  status: 'ok' | 'error';
  database: UpDown;
  recovery: UpDown;
  recoveryLastRunAt: string | null;
}

/**
 * Liveness with the database (`/health`), and readiness (`/health/ready`):
 * a coordinator whose recovery loop stopped still answers requests but
 * leaves decided transactions unfinished, so it should take no traffic.
 * Open to load balancers and orchestrators.
 */
@Public()
@OperationsTag()
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: TypeOrmHealthIndicator,
    private readonly recovery: RecoveryHealthIndicator,
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
    const ok = database === 'up' && recovery.status === 'up';
    if (!ok) response.status(503);
    return {
      status: ok ? 'ok' : 'error',
      database,
      recovery: recovery.status,
      recoveryLastRunAt: recovery.lastRunAt as string | null,
    };
  }

  private async pingDatabase(): Promise<UpDown> {
    const result = await this.database.pingCheck('database', { timeout: 2000 });
    return result.database.status;
  }
}
