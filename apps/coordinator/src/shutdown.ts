import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { Server } from 'node:http';
import type { EntityManager } from 'typeorm';
import { COORDINATOR_CONFIG, CoordinatorConfig } from './config/coordinator-config';
import { Leases } from './log/leases.repository';
import { ParticipantHealth } from './participants/participant-health';
import { RecoveryService } from './recovery/recovery.service';
import { RetentionService } from './recovery/retention.service';

/** Longest wait for requests in flight when the process is asked to stop. */
const DRAIN_MS = 10_000;

/**
 * Stops the coordinator gently (SIGTERM), in this order: the recovery and
 * retention loops stop (a pass in progress finishes) while requests in
 * flight get up to ten seconds to answer; then participant health notes
 * still in flight are written and this process's leases end
 * at once, so another coordinator takes its transactions over without
 * waiting for them to expire. The pool closes afterwards, in TypeORM's own
 * shutdown hook.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly adapterHost: HttpAdapterHost,
    private readonly leases: Leases,
    private readonly recovery: RecoveryService,
    private readonly retention: RetentionService,
    private readonly health: ParticipantHealth,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.recovery.stop(), this.retention.stop(), this.drain()]);
    await this.health.flush();
    try {
      await this.leases.releaseAllLeases(this.manager, this.config.instanceId);
    } catch (error) {
      this.logger.warn(`Could not release leases: ${String(error)}`);
    }
  }

  private async drain(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, DRAIN_MS);
      force.unref();
      // close() stops accepting, drops idle keep-alive sockets, and calls back once active ones end.
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
