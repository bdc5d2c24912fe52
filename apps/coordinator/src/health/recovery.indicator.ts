import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RecoveryLiveness } from './recovery-liveness';

/** Terminus indicator `recovery`: up while the recovery loop keeps completing passes. */
@Injectable()
export class RecoveryHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly liveness: RecoveryLiveness,
  ) {}

  check(): HealthIndicatorResult<'recovery'> {
    const session = this.indicator.check('recovery');
    const { live, lastRunAt } = this.liveness.check();
    return live ? session.up({ lastRunAt }) : session.down({ lastRunAt });
  }
}
