import './tracing';
import { Logger } from '@nestjs/common';
import { DEV_SECRETS, loadConfigOrExit } from '@app/config';
import { createHttpApp, listen } from '@app/http';
import { readInventoryConfig } from './config/inventory-config';
import { InventoryModule } from './inventory.module';

const logger = new Logger('inventory');

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => readInventoryConfig(process.env));
  const app = await createHttpApp(InventoryModule.forRoot(config), {
    abortOnError: false,
    jsonLogs: { app: 'inventory', level: config.logLevel },
  });
  // After the app exists, so these lines go out through its logger.
  for (const name of config.secrets.defaulted) {
    logger.warn(
      `${name} is not set: using the development default "${DEV_SECRETS[name as keyof typeof DEV_SECRETS]}"`,
    );
  }
  await listen(app, config);
  logger.log(
    `listening on ${config.host}:${config.port}, registering with ${config.coordinatorUrl}`,
  );
}

bootstrap().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
