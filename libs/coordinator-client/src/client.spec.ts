import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyCall } from '@app/protocol';
import {
  CoordinatorClient,
  CoordinatorProblemError,
  CoordinatorUnreachableError,
  UNEXPECTED_RESPONSE,
  expectOk,
} from './client';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('CoordinatorClient', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Seen[] = [];
  let reply: (res: ServerResponse) => void = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        reply(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
  });

  const client = () =>
    new CoordinatorClient({
      baseUrl,
      apiKey: 'api-key',
      adminToken: 'admin-token',
      signingSecret: 'signing-secret',
    });

  it('signs a participant registration over /v1/participants with an empty deadline', async () => {
    const res = await client().registerParticipant({
      name: 'inventory',
      baseUrl: 'http://127.0.0.1:3001',
      actions: ['reserve'],
    });
    expect(res.ok).toBe(true);
    const [call] = seen;
    expect(call.url).toBe('/v1/participants');
    expect(call.headers.authorization).toBe('Bearer api-key');
    const problem = verifyCall(
      ['signing-secret'],
      {
        timestamp: String(call.headers['x-tcc-timestamp']),
        method: 'POST',
        path: '/v1/participants',
        deadline: '',
        body: call.body,
      },
      String(call.headers['x-tcc-signature']),
      Date.now(),
    );
    expect(problem).toBeNull();
  });

  it('sends the API key to client endpoints and the admin token to admin endpoints', async () => {
    await client().confirm('t/1');
    await client().resolve('t1', 'settled by phone');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/transactions/t%2F1/confirm' });
    expect(seen[0].headers.authorization).toBe('Bearer api-key');
    expect(seen[1].url).toBe('/v1/admin/transactions/t1/resolve');
    expect(seen[1].headers.authorization).toBe('Bearer admin-token');
    expect(JSON.parse(seen[1].body)).toEqual({ note: 'settled by phone' });
  });

  it('sends the idempotency key and builds list queries from the given filters only', async () => {
    await client().beginTransaction({ branches: [] }, { idempotencyKey: 'k-1' });
    await client().listTransactions({ stuck: true, limit: 10, cursor: undefined });
    expect(seen[0].headers['idempotency-key']).toBe('k-1');
    expect(seen[1].url).toBe('/v1/transactions?stuck=true&limit=10');
  });

  const answerNotTrying = (res: ServerResponse): void => {
    res.writeHead(409, { 'content-type': 'application/problem+json' }).end(
      JSON.stringify({
        type: 't',
        title: 'Conflict',
        status: 409,
        detail: 'd',
        code: 'NOT_TRYING',
      }),
    );
  };

  it('returns problem details of error answers', async () => {
    reply = answerNotTrying;
    const res = await client().cancel('t1');
    expect(res.ok).toBe(false);
    expect(res.status).toBe(409);
    expect(!res.ok && res.body.code).toBe('NOT_TRYING');
  });

  it('synthesises a problem when an error answer is not problem+json', async () => {
    reply = (res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    };
    const res = await client().getTransaction('t1');
    expect(res).toMatchObject({
      ok: false,
      status: 502,
      body: { code: UNEXPECTED_RESPONSE, detail: '<h1>Bad gateway</h1>' },
    });
  });

  it('throws the answered problem from expectOk', async () => {
    reply = answerNotTrying;
    const error = await client()
      .confirm('t1')
      .then(expectOk)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoordinatorProblemError);
    expect(error).toMatchObject({ status: 409, problem: { code: 'NOT_TRYING' } });
  });

  it('retries a request that broke mid-answer only where repeating it is safe', async () => {
    let calls = 0;
    reply = (res) => {
      calls += 1;
      // The first answer dies with its connection; the second one arrives.
      if (calls === 1) res.socket?.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"t1"}');
    };
    const retrying = new CoordinatorClient({ baseUrl, apiKey: 'k', retryDelayMs: 1 });
    await expect(retrying.getTransaction('t1')).resolves.toMatchObject({ ok: true });
    expect(calls).toBe(2);

    calls = 0;
    const begin = retrying.beginTransaction({ branches: [] });
    await expect(begin).rejects.toBeInstanceOf(CoordinatorUnreachableError);
    expect(calls).toBe(1);

    calls = 0;
    const keyed = retrying.beginTransaction({ branches: [] }, { idempotencyKey: 'k-2' });
    await expect(keyed).resolves.toMatchObject({ ok: true });
    expect(calls).toBe(2);
  });

  it('retries a refused connection, then names the coordinator it could not reach', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = new CoordinatorClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retries: 1,
      retryDelayMs: 1,
    });
    const error = await unreachable.beginTransaction({ branches: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoordinatorUnreachableError);
    expect((error as Error).message).toBe(
      `cannot reach the coordinator at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });
});
