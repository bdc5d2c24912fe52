import { DynamicModule, Module, RequestMethod, Type } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { LoggerModule } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
import type { LogLevel } from '@app/config';
import { callerOf } from './bearer-auth';

/** What an app's JSON logs are called and how much they say. */
export interface JsonLogOptions {
  /** The app's name, on every line as `app`. */
  app: string;
  level: LogLevel;
}

/**
 * Fields pino replaces with `[redacted]` wherever they appear in a logged
 * object: credentials, signatures and anything named like a secret. Request
 * lines never carry headers or bodies in the first place; this guards the
 * objects code logs by hand.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-tcc-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-tcc-signature"]',
  ...['authorization', 'cookie', 'signature', 'token', 'secret', 'password'].flatMap((key) => [
    key,
    `*.${key}`,
  ]),
  ...[
    'apiKey',
    'apiKeys',
    'adminToken',
    'adminTokens',
    'signingSecret',
    'signingSecrets',
    'participantSecrets',
  ].flatMap((key) => [key, `*.${key}`]),
];

// Probes answer many times a minute; at info they would drown the lines that matter.
const PROBE_PATHS = new Set(['/health', '/health/ready', '/metrics']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRANSACTION_IN_PATH = /\/transactions\/([0-9a-f-]{36})(?:\/|$)/i;
const REQUEST_ID = /^[\w.:-]{1,100}$/;

/** The path of a request URL, without its query string. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

/**
 * The transaction and branch a request is about, for its log line: from a
 * phase call's body (`transactionId`, `branchId`) or from a
 * `/transactions/:id` path. Only UUIDs are taken, so nothing a client
 * chose freely ends up in the logs this way.
 */
export function requestIds(
  path: string,
  body: unknown,
): { transactionId?: string; branchId?: string } {
  const ids: { transactionId?: string; branchId?: string } = {};
  if (typeof body === 'object' && body !== null) {
    const { transactionId, branchId } = body as Record<string, unknown>;
    if (typeof transactionId === 'string' && UUID.test(transactionId)) {
      ids.transactionId = transactionId;
    }
    if (typeof branchId === 'string' && UUID.test(branchId)) ids.branchId = branchId;
  }
  const inPath = TRANSACTION_IN_PATH.exec(path)?.[1];
  if (ids.transactionId === undefined && inPath !== undefined && UUID.test(inPath)) {
    ids.transactionId = inPath.toLowerCase();
  }
  return ids;
}

type LoggedRequest = IncomingMessage & { originalUrl?: string; body?: unknown };

/** Express keeps the full path in `originalUrl`; `url` loses the prefix inside a mounted router. */
function requestPath(req: IncomingMessage): string {
  return pathOf((req as LoggedRequest).originalUrl ?? req.url);
}

function requestFields(
  req: IncomingMessage,
  res: ServerResponse,
  durationMs: number,
): Record<string, unknown> {
  const path = requestPath(req);
  const caller = callerOf(req);
  return {
    method: req.method,
    path,
    status: res.statusCode,
    durationMs,
    ...(caller === undefined ? {} : { caller }),
    ...requestIds(path, (req as LoggedRequest).body),
  };
}

/**
 * pino-http options of every app: one flat line per request, no headers, no
 * bodies; `caller` names the API key (or `admin`) that made it.
 */
export function httpLogOptions({ app, level }: JsonLogOptions): Options {
  return {
    level,
    base: { app, pid: process.pid, hostname: hostname() },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    messageKey: 'msg',
    // Only the request id is bound to a request's loggers: lines logged while
    // handling it are joined by `requestId`, and neither they nor the request
    // line repeat the request (its headers, query and body stay out).
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return 'error';
      return PROBE_PATHS.has(requestPath(req)) ? 'debug' : 'info';
    },
    customSuccessObject: (req, res, value: { responseTime: number }) =>
      requestFields(req, res, value.responseTime),
    customErrorObject: (req, res, error, value: { responseTime: number }) => ({
      ...requestFields(req, res, value.responseTime),
      error: error.message,
    }),
    customSuccessMessage: (req, res) => `${req.method} ${requestPath(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${requestPath(req)} ${res.statusCode}`,
  };
}

/** nestjs-pino configured for one app: JSON lines on stdout, at `level`. */
export function createLoggerModule(options: JsonLogOptions): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: httpLogOptions(options),
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  });
}

@Module({})
class JsonLoggedApp {}

/** `root` with the JSON request logger next to it, as one module to create an app from. */
export function withJsonLogs(
  root: Type<unknown> | DynamicModule,
  options: JsonLogOptions,
): DynamicModule {
  return { module: JsonLoggedApp, imports: [createLoggerModule(options), root] };
}
