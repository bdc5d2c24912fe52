import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ShardConfig } from '../config/shard-urls';
import { closeShards, connectShards, openRing } from './shard-connections';
import { ShardRouter } from './shard-router';

/** Connects the account shards at start (migrating each), provides the {@link ShardRouter}, and closes every pool on shutdown. */
@Global()
@Module({})
export class ShardsModule implements OnApplicationShutdown {
  constructor(private readonly router: ShardRouter) {}

  static forRoot(shards: readonly ShardConfig[]): DynamicModule {
    return {
      module: ShardsModule,
      providers: [
        {
          provide: ShardRouter,
          useFactory: async () => {
            const connected = await connectShards(shards);
            try {
              return new ShardRouter(connected, await openRing(connected));
            } catch (error) {
              await closeShards(connected);
              throw error;
            }
          },
        },
      ],
      exports: [ShardRouter],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await closeShards(this.router.shards);
  }
}
