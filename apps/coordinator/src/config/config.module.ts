import { DynamicModule, Global, Module } from '@nestjs/common';
import { COORDINATOR_CONFIG, CoordinatorConfig } from './coordinator-config';

/** Makes the one parsed {@link CoordinatorConfig} injectable everywhere. */
@Global()
@Module({})
export class CoordinatorConfigModule {
  static forRoot(config: CoordinatorConfig): DynamicModule {
    return {
      module: CoordinatorConfigModule,
      providers: [{ provide: COORDINATOR_CONFIG, useValue: config }],
      exports: [COORDINATOR_CONFIG],
    };
  }
}
