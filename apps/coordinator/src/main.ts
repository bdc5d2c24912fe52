import './tracing';
import { Logger } from '@nestjs/common';
import { DEV_SECRETS, loadConfigOrExit } from '@app/config';
import { listen } from '@app/http';
import { createCoordinatorApp } from './bootstrap';
import { readCoordinatorConfig } from './config/coordinator-config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => readCoordinatorConfig(process.env));
  const app = await createCoordinatorApp(config, {
    jsonLogs: { app: 'coordinator', level: config.logLevel },
  });
  await listen(app, config);
  const logger = new Logger('Coordinator');
  logger.log(`TCC coordinator listening on ${config.host}:${config.port}`);
  for (const name of config.secrets.defaulted) {
    logger.warn(
      `${name} is not set; using the development value "${DEV_SECRETS[name as keyof typeof DEV_SECRETS]}"`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Coordinator failed to start: ${String(error)}\n`);
  process.exit(1);
});
