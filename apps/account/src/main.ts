import './tracing';
import { Logger } from '@nestjs/common';
import { DEV_SECRETS, loadConfigOrExit } from '@app/config';
import { createHttpApp, listen } from '@app/http';
import { AccountModule } from './account.module';
import { readAccountConfig } from './config/account-config';

const logger = new Logger('account');

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => readAccountConfig(process.env));
  const app = await createHttpApp(AccountModule.forRoot(config), {
    abortOnError: false,
    jsonLogs: { app: 'account', level: config.logLevel },
  });
  // After the app exists, so these lines go out through its logger.
  for (const name of config.secrets.defaulted) {
    logger.warn(
      `${name} is not set: using the development default "${DEV_SECRETS[name as keyof typeof DEV_SECRETS]}"`,
    );
  }
  await listen(app, config);
  logger.log(
    `listening on ${config.host}:${config.port}, shards ${config.shards.map((s) => s.name).join(', ')}`,
  );
}

bootstrap().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
