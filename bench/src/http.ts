import { Pool } from 'undici';

/** A parsed answer; bodies are whatever JSON the app sent. */
export interface JsonAnswer<T> {
  status: number;
  body: T;
}

/**
 * Keep-alive connections to one app, as many as the load has callers, so
 * the load generator never queues requests of its own.
 */
export class AppClient {
  private readonly pool: Pool;

  constructor(
    origin: string,
    connections: number,
    private readonly token: string | null = null,
  ) {
    this.pool = new Pool(origin, { connections, keepAliveTimeout: 60_000, pipelining: 1 });
  }

  /** Sends one request with a JSON body; any status is an answer, only no answer throws. */
  async send<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonAnswer<T>> {
    const raw =
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const all: Record<string, string> = { ...headers };
    if (this.token !== null) all.authorization ??= `Bearer ${this.token}`;
    if (raw !== undefined) all['content-type'] = 'application/json';
    const response = await this.pool.request({
      method,
      path,
      headers: all,
      body: raw,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    const text = await response.body.text();
    const json = /json/.test(String(response.headers['content-type'] ?? '')) && text !== '';
    return { status: response.statusCode, body: (json ? JSON.parse(text) : text) as T };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
