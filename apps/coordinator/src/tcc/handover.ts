import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { Leases } from '../log/leases.repository';
import { backoffDelayMs } from './backoff';

/** Hands a transaction back to recovery when a request or a recovery pass is done with it. */
@Injectable()
export class Handover {
  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly leases: Leases,
  ) {}

  /**
   * Releases this process's lease: recovery looks again at the deadline
   * while the transaction is trying, or after the backoff for its next
   * phase-2 attempt (`attempts` made so far) while that is unfinished.
   */
  async release(id: string, attempts: number): Promise<void> {
    const delay = backoffDelayMs(attempts + 1, this.config.retryBaseMs, this.config.retryMaxMs);
    await this.leases.releaseLease(this.manager, id, this.config.instanceId, delay);
  }
}
