import { Controller, Get, Res } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '@app/http';

/** Liveness and database readiness, open to load balancers. */
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly database: TypeOrmHealthIndicator) {}

  @Get()
  async check(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: 'ok' | 'error'; database: 'up' | 'down' }> {
    const result = await this.database.pingCheck('database', { timeout: 2000 });
    if (result.database.status === 'up') return { status: 'ok', database: 'up' };
    response.status(503);
    return { status: 'error', database: 'down' };
  }
}
