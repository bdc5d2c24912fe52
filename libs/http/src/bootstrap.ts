import { DynamicModule, INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { MAX_BODY_BYTES } from '@app/protocol';
import { TracingShutdownModule } from '@app/tracing';
import { answerClientErrors } from './client-errors';
import { rejectDeepJson } from './json-depth';
import { requireJsonBody } from './json-content-type';
import { JsonLogOptions, withJsonLogs } from './logging';
import { ProblemJsonFilter } from './problem.filter';
import { createValidationPipe } from './validation';

/** Options of {@link createHttpApp}: Nest's own, plus JSON logs for a deployed process. */
export interface HttpAppOptions extends NestApplicationOptions {
  /**
   * Structured logs (nestjs-pino): one JSON line per request and every Nest
   * log line as JSON. Set by each app's `main.ts`; apps created in-process
   * by tests leave it out and keep Nest's plain logger.
   */
  jsonLogs?: JsonLogOptions;
}

/** The app's module with the export of its last spans at shutdown next to it. */
class TracedApp {}

/**
 * Creates an app with the HTTP behaviour every service shares: the raw body
 * kept for signature checks, the 256 KiB body limit, the validation pipe,
 * problem+json errors and shutdown hooks
 * (which also export the spans still buffered, when tracing is on).
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  { jsonLogs, ...options }: HttpAppOptions = {},
): Promise<NestExpressApplication> {
  const traced: DynamicModule = { module: TracedApp, imports: [module, TracingShutdownModule] };
  const app = await NestFactory.create<NestExpressApplication>(
    jsonLogs ? withJsonLogs(traced, jsonLogs) : traced,
    {
      rawBody: true,
      bodyParser: false,
      // Lines logged while the app starts wait for the JSON logger instead of going out as text.
      bufferLogs: jsonLogs !== undefined,
      ...options,
    },
  );
  if (jsonLogs) app.useLogger(app.get(PinoNestLogger));
  app.useBodyParser('json', {
    limit: MAX_BODY_BYTES,
    type: ['application/json', 'application/*+json'],
  });
  app.use(requireJsonBody());
  app.use(rejectDeepJson());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemJsonFilter());
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  answerClientErrors(app.getHttpServer());
  return app;
}

/**
 * Listens at `host`:`port` and resolves once the server accepts
 * connections. A process started with an IPC channel (by `npm start`, the
 * tests or the benchmark) stops itself, as on SIGTERM, when that channel
 * closes: its supervisor is gone and nobody else would ever stop it.
 */
export async function listen(
  app: INestApplication,
  { host, port }: { host: string; port: number },
): Promise<void> {
  await app.listen(port, host);
  if (process.channel) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
