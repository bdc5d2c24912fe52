import { Injectable } from '@nestjs/common';
import { ErrorCode, TccError } from '@app/protocol';
import { ShardRouter } from '../shards/shard-router';

/** Reachability of each shard by name. */
export type ShardHealth = Record<string, 'up' | 'down'>;

/** Answer of a healthy `GET /health`. */
export interface HealthView {
  status: 'ok';
  shards: ShardHealth;
}

/** Readiness: the participant can serve only accounts whose shard answers, so every shard must. */
@Injectable()
export class HealthService {
  constructor(private readonly router: ShardRouter) {}

  async check(): Promise<HealthView> {
    const results = await Promise.allSettled(
      this.router.shards.map((shard) => shard.dataSource.query('SELECT 1')),
    );
    const shards: ShardHealth = {};
    this.router.shards.forEach((shard, i) => {
      shards[shard.name] = results[i].status === 'fulfilled' ? 'up' : 'down';
    });
    const down = Object.keys(shards).filter((name) => shards[name] === 'down');
    if (down.length > 0) {
      throw new TccError(ErrorCode.Unavailable, `Shard(s) not answering: ${down.join(', ')}.`, {
        shards,
      });
    }
    return { status: 'ok', shards };
  }
}
