import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { postgresOptions } from '@app/database';
import { AccessModule, authTokensOf } from '@app/http';
import { CreateTccBarrier1700000000000, TccParticipantModule } from '@app/participant';
import type { InventoryConfig } from './config/inventory-config';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { CreateInventory1700000000100 } from './migrations/1700000000100-create-inventory';
import { OrdersController } from './orders/orders.controller';
import { OrdersService } from './orders/orders.service';
import { StockController } from './stock/stock.controller';
import { StockService } from './stock/stock.service';
import { reserveAction } from './tcc/reserve.action';

/** How a test or `main.ts` starts the app beyond its configuration. */
export interface InventoryAppOptions {
  /** Default true; tests that have no coordinator pass false. */
  register?: boolean;
}

/** The inventory participant: the `reserve` action, stock seeding and reading, orders. */
@Module({})
export class InventoryModule {
  static forRoot(config: InventoryConfig, options: InventoryAppOptions = {}): DynamicModule {
    return {
      module: InventoryModule,
      imports: [
        AccessModule.forRoot({
          tokens: authTokensOf(config.secrets),
          rateLimitPerMinute: config.rateLimitPerMinute,
        }),
        TypeOrmModule.forRoot(
          postgresOptions({
            url: config.databaseUrl,
            entities: [],
            migrations: [CreateTccBarrier1700000000000, CreateInventory1700000000100],
            applicationName: 'tcc-inventory',
          }),
        ),
        TccParticipantModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            name: 'inventory',
            publicUrl: config.publicUrl,
            coordinatorUrl: config.coordinatorUrl,
            apiKey: config.apiKey,
            signingSecrets: config.secrets.signingSecrets,
            actions: [reserveAction],
            dataSource,
            register: options.register ?? true,
            retentionDays: config.retentionDays,
            batchTries: config.hotSkuBatching,
          }),
        }),
      ],
      controllers: [StockController, OrdersController, HealthController],
      providers: [StockService, OrdersService, HealthService],
    };
  }
}
