import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { signCall } from '@app/protocol';
import { createCoordinatorApp } from '../../../../apps/coordinator/src/bootstrap';
import { readCoordinatorConfig } from '../../../../apps/coordinator/src/config/coordinator-config';
import { LogClock } from '../../../../apps/coordinator/src/log/log-clock';
import { RecoveryService } from '../../../../apps/coordinator/src/recovery/recovery.service';
import { StubParticipant } from './stub-participant';

/** Secrets every coordinator test uses. */
export const API_KEY = 'test-api-key';
export const ADMIN_TOKEN = 'test-admin-token';
export const SIGNING_SECRET = 'test-signing-secret';

/** A coordinator running in-process on an ephemeral port. */
export interface Coordinator {
  app: NestExpressApplication;
  api: Api;
  clock: LogClock;
  recovery: RecoveryService;
  /** This coordinator's `lease_owner`. */
  instanceId: string;
  close(): Promise<void>;
}

/** Boots the coordinator on `databaseUrl`; the recovery loop is left to `recoverOnce()`. */
export async function startCoordinator(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<Coordinator> {
  const config = readCoordinatorConfig({
    DATABASE_URL: databaseUrl,
    TCC_API_KEY: API_KEY,
    TCC_ADMIN_TOKEN: ADMIN_TOKEN,
    TCC_SIGNING_SECRET: SIGNING_SECRET,
    TCC_CALL_TIMEOUT_MS: '1000',
    // An hour: tests drive recovery themselves with recoverOnce().
    TCC_RECOVERY_INTERVAL_MS: '3600000',
    TCC_RETRY_BASE_MS: '100',
    TCC_RETRY_MAX_MS: '1000',
    ...env,
  });
  const app = await createCoordinatorApp(config, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    api: new Api(`http://127.0.0.1:${port}`),
    clock: app.get(LogClock),
    recovery: app.get(RecoveryService),
    instanceId: config.instanceId,
    close: () => app.close(),
  };
}

/** An HTTP answer with its body parsed when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  // Tests read arbitrary fields of answers.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Minimal client of the coordinator API. */
export class Api {
  constructor(readonly url: string) {}

  async request(
    method: string,
    path: string,
    options: {
      body?: unknown;
      raw?: string;
      token?: string | null;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? API_KEY : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> {
    return this.request('POST', path, { body, headers });
  }

  get(path: string): Promise<Answer> {
    return this.request('GET', path);
  }

  /** Registers a participant the way a real one does: API key plus a signature over the raw body. */
  async register(name: string, baseUrl: string, actions: string[]): Promise<Answer> {
    const raw = JSON.stringify({ name, baseUrl, actions });
    const timestamp = String(Date.now());
    const signature = signCall(SIGNING_SECRET, {
      timestamp,
      method: 'POST',
      path: '/v1/participants',
      deadline: '',
      body: raw,
    });
    return this.request('POST', '/v1/participants', {
      raw,
      headers: { 'x-tcc-timestamp': timestamp, 'x-tcc-signature': signature },
    });
  }
}

/** Starts a stub participant and registers it under `name`. */
export async function startParticipant(
  api: Api,
  name: string,
  actions: string[],
  prefix = '',
): Promise<StubParticipant> {
  const stub = new StubParticipant(SIGNING_SECRET, prefix);
  const baseUrl = await stub.start();
  const answer = await api.register(name, baseUrl, actions);
  if (answer.status !== 200) throw new Error(`registration failed: ${JSON.stringify(answer.body)}`);
  return stub;
}

/** Polls until `check` holds; for effects that happen in the background (no timing asserted). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

/** Resolves after `ms`; used only to widen race windows inside stub participants. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs one read-only query on the test database, for assertions on what was written. */
export async function queryLog<T>(
  databaseUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
