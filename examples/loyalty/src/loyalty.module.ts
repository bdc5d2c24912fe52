import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TccParticipantModule } from '@tcc-coordinator/participant';
import { awardAction } from './award.action';
import type { LoyaltyConfig } from './config';
import { LOYALTY_CONFIG, MembersController } from './members.controller';

/** The loyalty service: the `award` action and the members endpoints, on one database. */
@Module({})
export class LoyaltyModule {
  static forRoot(config: LoyaltyConfig, dataSource: DataSource): DynamicModule {
    return {
      module: LoyaltyModule,
      imports: [
        TccParticipantModule.forRootAsync({
          useFactory: () => ({
            name: 'loyalty',
            publicUrl: config.publicUrl,
            coordinatorUrl: config.coordinatorUrl,
            apiKey: config.apiKey,
            signingSecrets: config.signingSecrets,
            actions: [awardAction],
            dataSource,
            retentionDays: 7,
          }),
        }),
      ],
      controllers: [MembersController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: LOYALTY_CONFIG, useValue: config },
      ],
    };
  }
}
