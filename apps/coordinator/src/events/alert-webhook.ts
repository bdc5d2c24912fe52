import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { request } from 'undici';
import type { TransactionStatus } from '@app/protocol';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';
import { TransactionEvents } from './transaction-events';

/** What the alert webhook receives when a transaction becomes stuck. */
export interface StuckAlert {
  id: string;
  status: TransactionStatus;
  attempts: number;
  lastError: string;
}

const DELIVERY_ATTEMPTS = 4;
const FIRST_RETRY_MS = 1000;
const SHUTDOWN_WAIT_MS = 5000;

/**
 * Observes transactions becoming stuck and POSTs each alert to
 * TCC_ALERT_WEBHOOK_URL in the background, retrying a few times; phase 2
 * never waits for it.
 */
@Injectable()
export class AlertWebhook implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(AlertWebhook.name);
  private readonly deliveries = new Set<Promise<void>>();
  private stopping = false;
  private unsubscribe: () => void = () => undefined;

  constructor(
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
    private readonly events: TransactionEvents,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe({ transactionStuck: (alert) => this.send(alert) });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** Queues one alert; returns at once. */
  private send(alert: StuckAlert): void {
    const url = this.config.alertWebhookUrl;
    if (!url) return;
    const delivery = this.deliver(url, alert).finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // Deliveries in flight get a short grace period; pending retries are given up.
    await Promise.race([
      Promise.all([...this.deliveries]),
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref()),
    ]);
  }

  private async deliver(url: string, alert: StuckAlert): Promise<void> {
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS && !this.stopping; attempt++) {
      try {
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alert),
          signal: AbortSignal.timeout(this.config.callTimeoutMs),
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) return;
        this.logger.warn(`Alert webhook answered ${response.statusCode} for ${alert.id}`);
      } catch (error) {
        this.logger.warn(`Alert webhook failed for ${alert.id}: ${String(error)}`);
      }
      if (attempt < DELIVERY_ATTEMPTS) {
        await new Promise((resolve) =>
          setTimeout(resolve, FIRST_RETRY_MS * 2 ** (attempt - 1)).unref(),
        );
      }
    }
  }
}
