import { Controller, Get } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Public } from '@app/http';
import { ErrorCode, TccError } from '@app/protocol';

/** Ready once the database answers; the test harness waits for it. */
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async check(): Promise<{ status: 'ok' }> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new TccError(ErrorCode.Unavailable, 'The database does not answer.');
    }
    return { status: 'ok' };
  }
}
