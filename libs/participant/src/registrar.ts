import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinatorClient } from '@app/coordinator-client';
import { PARTICIPANT_OPTIONS, ParticipantOptions } from './options';

const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;

/** Delay before registration attempt `attempt + 1`: doubling from 200 ms, capped at 5 s. */
export function registrationDelay(attempt: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt, 16));
}

/**
 * Registers the participant with the coordinator in the background, retrying
 * until a 2xx: the coordinator may start after its participants, and start-up
 * must not wait for it.
 */
@Injectable()
export class ParticipantRegistrar implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ParticipantRegistrar');
  private readonly stopping = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private registered = false;

  constructor(@Inject(PARTICIPANT_OPTIONS) private readonly options: ParticipantOptions) {}

  /** True once the coordinator accepted the registration. */
  get isRegistered(): boolean {
    return this.registered;
  }

  onApplicationBootstrap(): void {
    if (this.options.register === false) return;
    this.running = this.registerUntilAccepted();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async registerUntilAccepted(): Promise<void> {
    const { coordinatorUrl, apiKey, signingSecrets, name, publicUrl, actions } = this.options;
    const client = new CoordinatorClient({
      baseUrl: coordinatorUrl,
      apiKey,
      signingSecret: signingSecrets[0],
      // This loop is the retry, with its own backoff and a log line per failure.
      retries: 0,
    });
    const registration = {
      name,
      baseUrl: publicUrl,
      actions: actions.map((a) => a.name),
      batch: this.options.batchCalls !== false,
    };
    const signal = this.stopping.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const response = await client.registerParticipant(registration, { signal });
        if (response.ok) {
          this.registered = true;
          this.logger.log(`registered "${name}" at ${coordinatorUrl} (callbacks to ${publicUrl})`);
          return;
        }
        this.logger.warn(
          `registration at ${coordinatorUrl} refused: ${response.status} ${response.body.code} ${response.body.detail}`,
        );
      } catch (error) {
        if (signal.aborted) return;
        this.logger.warn(`registration at ${coordinatorUrl} failed: ${describe(error)}`);
      }
      try {
        await sleep(registrationDelay(attempt), undefined, { signal });
      } catch {
        return; // aborted by shutdown
      }
    }
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
