import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode, TccError } from '@app/protocol';

/** Answer of a healthy `GET /health`. */
export interface HealthView {
  status: 'ok';
  database: 'up';
}

/** Readiness: the participant can do nothing without its database. */
@Injectable()
export class HealthService {
  constructor(private readonly dataSource: DataSource) {}

  async check(): Promise<HealthView> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new TccError(ErrorCode.Unavailable, 'The inventory database does not answer.', {
        database: 'down',
      });
    }
    return { status: 'ok', database: 'up' };
  }
}
