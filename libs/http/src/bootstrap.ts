import { DynamicModule, INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MAX_BODY_BYTES } from '@app/protocol';
import { ProblemJsonFilter } from './problem.filter';
import { createValidationPipe } from './validation';

/**
 * Creates an app with the HTTP behaviour every service shares: the raw body
 * kept for signature checks, the 256 KiB body limit, the validation pipe,
 * problem+json errors and shutdown hooks.
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  options: NestApplicationOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    rawBody: true,
    bodyParser: false,
    ...options,
  });
  app.useBodyParser('json', {
    limit: MAX_BODY_BYTES,
    type: ['application/json', 'application/*+json'],
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemJsonFilter());
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  return app;
}

/** Listens on 0.0.0.0 at `port` and resolves once the server accepts connections. */
export async function listen(app: INestApplication, port: number): Promise<void> {
  await app.listen(port, '0.0.0.0');
}
