import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { ParticipantsRepository } from '../log/participants.repository';

/** How long the set of batching participants is used before it is read again. */
const REFRESH_MS = 2000;

/**
 * Which participants declared at registration that they answer batches of
 * phase calls. Read from the log (another coordinator may have taken the
 * registration) at most every {@link REFRESH_MS}, off the call path once
 * it has been read: a participant that registers anew is seen within that
 * time, and until then gets single calls, which every participant serves.
 */
@Injectable()
export class BatchCapability {
  private names: Promise<Set<string>> | null = null;
  private readAt = 0;

  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly participants: ParticipantsRepository,
  ) {}

  /** True when `participant` answers batches. */
  async batches(participant: string): Promise<boolean> {
    const now = Date.now();
    if (this.names === null || now - this.readAt > REFRESH_MS) {
      this.readAt = now;
      const previous = this.names;
      const next = this.participants.findBatching(this.manager).then(
        (names) => new Set(names),
        // The log is away: keep what was known, or send single calls.
        () => previous ?? new Set<string>(),
      );
      this.names = next;
      // While a refresh runs, calls use what was read before, so none waits on it.
      if (previous !== null) return (await previous).has(participant);
    }
    return (await this.names).has(participant);
  }
}
