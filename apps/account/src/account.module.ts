import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule, authTokensOf } from '@app/http';
import { TccParticipantModule } from '@app/participant';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsService } from './accounts/accounts.service';
import type { AccountConfig } from './config/account-config';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { REBALANCE_OPTIONS, Rebalancer } from './rebalance/rebalancer';
import { ShardsController } from './rebalance/shards.controller';
import { ShardRouter } from './shards/shard-router';
import { ShardsModule } from './shards/shards.module';
import { creditAction } from './tcc/credit.action';
import { debitAction } from './tcc/debit.action';

/** How a test or `main.ts` starts the app beyond its configuration. */
export interface AccountAppOptions {
  /** Default true; tests that have no coordinator pass false. */
  register?: boolean;
}

/** The account participant: shards and their rebalancing, the `debit` and `credit` actions, seeding and reading accounts. */
@Module({})
export class AccountModule {
  static forRoot(config: AccountConfig, options: AccountAppOptions = {}): DynamicModule {
    return {
      module: AccountModule,
      imports: [
        AccessModule.forRoot({
          tokens: authTokensOf(config.secrets),
          rateLimitPerMinute: config.rateLimitPerMinute,
        }),
        ShardsModule.forRoot(config.shards),
        TccParticipantModule.forRootAsync({
          inject: [ShardRouter],
          useFactory: (router: ShardRouter) => ({
            name: 'account',
            publicUrl: config.publicUrl,
            coordinatorUrl: config.coordinatorUrl,
            apiKey: config.apiKey,
            signingSecrets: config.secrets.signingSecrets,
            actions: [debitAction(router), creditAction(router)],
            register: options.register ?? true,
            retentionDays: config.retentionDays,
            barrierDataSources: router.shards.map((shard) => shard.dataSource),
          }),
        }),
      ],
      controllers: [AccountsController, HealthController, ShardsController],
      providers: [
        AccountsService,
        HealthService,
        Rebalancer,
        { provide: REBALANCE_OPTIONS, useValue: { moveBatchSize: config.moveBatchSize } },
      ],
    };
  }
}
