import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectEntityManager } from '@nestjs/typeorm';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';
import { TccAttributes, inSpan, linksTo, markFailed } from '@app/tracing';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import type { TransactionRecord } from '../domain/records';
import { TransactionEvents } from '../events/transaction-events';
import { Leases } from '../log/leases.repository';
import { TransactionProcessor } from '../tcc/transaction-processor';

const INTERVAL_NAME = 'tcc-recovery';

const tracer = trace.getTracer('coordinator');

/**
 * Finishes what requests left: cancels transactions abandoned past their
 * deadline and resends phase 2 with backoff. Several coordinators share the
 * work through leases; no lock is held while participants are called.
 */
@Injectable()
export class RecoveryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RecoveryService.name);
  private readonly passes = new Set<Promise<number>>();
  private stopped = false;

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly scheduler: SchedulerRegistry,
    private readonly leases: Leases,
    private readonly processor: TransactionProcessor,
    private readonly events: TransactionEvents,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => this.tick(), this.config.recoveryIntervalMs);
    this.scheduler.addInterval(INTERVAL_NAME, timer);
  }

  /** Stops the loop and waits for the pass in progress (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) {
      this.scheduler.deleteInterval(INTERVAL_NAME);
    }
    await Promise.allSettled([...this.passes]);
  }

  /** One pass: claims the due transactions and works on each; returns how many it claimed. */
  async recoverOnce(): Promise<number> {
    const pass = this.pass().finally(() => this.passes.delete(pass));
    this.passes.add(pass);
    return pass;
  }

  private tick(): void {
    // A slow pass is not overlapped by the next tick; the leases would make it harmless, not useful.
    if (this.stopped || this.passes.size > 0) return;
    this.recoverOnce().catch((error: unknown) => {
      this.logger.error(`Recovery pass failed: ${String(error)}`);
    });
  }

  private async pass(): Promise<number> {
    const started = Date.now();
    this.events.emit('recoveryPassStarted', { at: started });
    const claimed = await this.leases.claimDueTransactions(
      this.manager,
      this.config.instanceId,
      this.config.retry.claimBatch,
      this.config.retry.leaseMs,
    );
    await Promise.all(claimed.map((record) => this.recover(record)));
    const ended = Date.now();
    this.events.emit('recoveryPassCompleted', {
      at: ended,
      durationMs: ended - started,
      claimed: claimed.length,
    });
    return claimed.length;
  }

  /**
   * Resumes one claimed transaction in a trace of its own (a retry may come
   * hours later), linked to the span that began the transaction.
   */
  private recover(claimed: TransactionRecord): Promise<void> {
    const options = {
      parent: ROOT_CONTEXT,
      links: linksTo(claimed.traceParent),
      attributes: { [TccAttributes.TransactionId]: claimed.id },
    };
    return inSpan(tracer, 'tcc.recovery', options, async (span) => {
      try {
        const resumed = await this.processor.resume(claimed);
        span.setAttribute(TccAttributes.TransactionStatus, resumed.status);
      } catch (error) {
        markFailed(span, error);
        this.logger.error(`Recovery of ${claimed.id} failed: ${String(error)}`);
      }
    });
  }
}
