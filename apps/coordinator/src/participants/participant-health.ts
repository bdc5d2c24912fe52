import { Injectable, Logger } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { ParticipantsRepository } from '../log/participants.repository';

const MIN_WRITE_INTERVAL_MS = 1000;

/**
 * Keeps `lastSuccessAt` / `lastErrorAt` / `lastError` of each participant
 * roughly current without a write per call: a participant's row is written
 * when its health flips, otherwise at most once a second, off the call path.
 */
@Injectable()
export class ParticipantHealth {
  private readonly logger = new Logger(ParticipantHealth.name);
  private readonly last = new Map<string, { healthy: boolean; writtenAt: number }>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly participants: ParticipantsRepository,
  ) {}

  /** Notes one call's result; `error` is null when the participant answered. */
  note(participant: string, error: string | null): void {
    const healthy = error === null;
    const now = Date.now();
    const last = this.last.get(participant);
    if (last && last.healthy === healthy && now - last.writtenAt < MIN_WRITE_INTERVAL_MS) return;
    this.last.set(participant, { healthy, writtenAt: now });
    const write = this.participants
      .recordHealth(this.manager, participant, error)
      .catch((failure: unknown) => {
        this.logger.warn(`Could not record health of ${participant}: ${String(failure)}`);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Waits for writes still in flight (shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
