import 'reflect-metadata';
import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { CreateTccBarrier1700000000000 } from '@tcc-coordinator/participant';
import { readConfig } from './config';
import { LoyaltyModule } from './loyalty.module';
import { CreateLoyalty1700000000300 } from './migrations/1700000000300-create-loyalty';

const logger = new Logger('loyalty');

async function bootstrap(): Promise<void> {
  const config = readConfig(process.env);
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.databaseUrl,
    // The SDK's barrier table comes with the service's own tables.
    migrations: [CreateTccBarrier1700000000000, CreateLoyalty1700000000300],
    migrationsRun: true,
  });
  await dataSource.initialize();
  // rawBody: the coordinator's signature covers the exact bytes it sent.
  const app = await NestFactory.create(LoyaltyModule.forRoot(config, dataSource), {
    rawBody: true,
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  app.enableShutdownHooks();
  await app.listen(config.port, '127.0.0.1');
  logger.log(`listening on port ${config.port}, registering with ${config.coordinatorUrl}`);
}

bootstrap().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
