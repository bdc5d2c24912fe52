import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import type { ParticipantView, TransactionStatus } from '@app/protocol';
import { OverviewQueries } from '../log/overview-queries.repository';
import { ParticipantRegistry } from '../participants/participant-registry.service';

/** Length of one bucket of the overview's last hour, in minutes. */
export const BUCKET_MINUTES = 5;
/** Buckets in the last hour: twelve of five minutes. */
export const BUCKETS = 12;

/** `GET /v1/admin/stats`: what the admin UI's overview shows. */
export interface AdminStats {
  byStatus: Record<TransactionStatus, number>;
  stuck: number;
  lastHour: {
    bucketMinutes: number;
    buckets: { at: string; confirmed: number; cancelled: number }[];
  };
  participants: ParticipantView[];
}

/** Gathers the overview: counts by status, the stuck count, the last hour's outcomes, participants. */
@Injectable()
export class AdminStatsService {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly overview: OverviewQueries,
    private readonly registry: ParticipantRegistry,
  ) {}

  async stats(): Promise<AdminStats> {
    const [byStatus, stuck, buckets, participants] = await Promise.all([
      this.overview.countByStatus(this.manager),
      this.overview.countStuck(this.manager),
      this.overview.finishedPerBucket(this.manager, BUCKET_MINUTES * 60, BUCKETS),
      this.registry.list(),
    ]);
    return {
      byStatus,
      stuck,
      lastHour: {
        bucketMinutes: BUCKET_MINUTES,
        buckets: buckets.map((bucket) => ({
          at: bucket.at.toISOString(),
          confirmed: bucket.confirmed,
          cancelled: bucket.cancelled,
        })),
      },
      participants: participants.items,
    };
  }
}
