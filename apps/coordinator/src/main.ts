import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from '@app/config';
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
  const defaults: Record<string, string> = {
    TCC_API_KEY: config.secrets.apiKey,
    TCC_ADMIN_TOKEN: config.secrets.adminToken,
    TCC_SIGNING_SECRET: config.secrets.signingSecrets[0],
  };
  for (const name of config.secrets.defaulted) {
    logger.warn(`${name} is not set; using the development value "${defaults[name]}"`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Coordinator failed to start: ${String(error)}\n`);
  process.exit(1);
});
