import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from '@app/config';
import { createHttpApp, listen } from '@app/http';
import { readBusiConfig } from './busi-config';
import { BusiModule } from './busi.module';

const logger = new Logger('busi');

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => readBusiConfig(process.env));
  const app = await createHttpApp(BusiModule.forRoot(config), { abortOnError: false });
  await listen(app, config);
  logger.log(
    `listening on ${config.host}:${config.port}, registering with ${config.coordinatorUrl}`,
  );
}

bootstrap().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
