import {
  DynamicModule,
  MiddlewareConsumer,
  Module,
  NestModule,
  RequestMethod,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { postgresOptions } from '@app/database';
import { AUTH_TOKENS, BearerAuthGuard, CredentialMatcher, authTokensOf } from '@app/http';
import { CreateTccBarrier1700000000000, TccParticipantModule } from '@app/participant';
import type { BusiConfig } from './busi-config';
import { CallLog } from './call-log';
import { ControlController } from './control.controller';
import { CreateWallets1700000000900 } from './create-wallets.migration';
import { FaultMiddleware } from './fault.middleware';
import { FaultPlan } from './faults';
import { HealthController } from './health.controller';
import { payAction } from './pay.action';
import { WalletsController } from './wallets';

/**
 * The controllable test participant "busi" (after dtm's test/busi): one
 * action, `pay`, on wallets in its own database, written with the
 * participant SDK like the real participants, plus a fault plan that makes
 * any phase refuse, fail, hang, or fail a number of times first.
 */
@Module({})
export class BusiModule implements NestModule {
  static forRoot(config: BusiConfig): DynamicModule {
    return {
      module: BusiModule,
      imports: [
        TypeOrmModule.forRoot(
          postgresOptions({
            url: config.databaseUrl,
            entities: [],
            migrations: [CreateTccBarrier1700000000000, CreateWallets1700000000900],
            applicationName: 'tcc-busi',
          }),
        ),
        TccParticipantModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            name: 'busi',
            publicUrl: config.publicUrl,
            coordinatorUrl: config.coordinatorUrl,
            apiKey: config.apiKey,
            signingSecrets: config.secrets.signingSecrets,
            actions: [payAction],
            // Its faults are planned per phase call (FaultMiddleware), so every call must arrive alone.
            batchCalls: false,
            dataSource,
          }),
        }),
      ],
      controllers: [ControlController, WalletsController, HealthController],
      providers: [
        {
          provide: AUTH_TOKENS,
          useValue: new CredentialMatcher(authTokensOf(config.secrets)),
        },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        FaultPlan,
        CallLog,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(FaultMiddleware).forRoutes({ path: 'tcc/*path', method: RequestMethod.POST });
  }
}
