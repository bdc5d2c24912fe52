import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { recordCaller } from './bearer-auth';
import { REDACTED_PATHS, httpLogOptions, pathOf, requestIds } from './logging';

const TX = '3f1c1a52-8a0e-4e4b-9a53-2d3f1f0e9b11';
const BRANCH = '9b2d7c41-0b6a-4d0e-8f3e-5a1c2b3d4e5f';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('JSON request logs', () => {
  it('takes ids from a phase call body or a /transactions/:id path, UUIDs only', () => {
    expect(requestIds('/tcc/debit/try', { transactionId: TX, branchId: BRANCH })).toEqual({
      transactionId: TX,
      branchId: BRANCH,
    });
    expect(requestIds(`/v1/admin/transactions/${TX.toUpperCase()}/retry`, undefined)).toEqual({
      transactionId: TX,
    });
    expect(requestIds('/v1/transactions', { transactionId: 'drop table', branchId: 7 })).toEqual(
      {},
    );
    expect(pathOf('/v1/transactions?status=CONFIRMED&q=key')).toBe('/v1/transactions');
  });

  it('writes one flat line per request with method, path, status, duration, caller and ids, without headers or body', async () => {
    const out = capture();
    const middleware = pinoHttp({ ...httpLogOptions({ app: 'test', level: 'info' }) }, out.stream);
    const server = createServer((req, res) => {
      middleware(req, res);
      recordCaller(req, 'checkout');
      (req as typeof req & { body: unknown }).body = {
        transactionId: TX,
        branchId: BRANCH,
        payload: { secretPayload: 'never-logged' },
      };
      res.statusCode = 409;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await fetch(`http://127.0.0.1:${port}/tcc/debit/try?x=1`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer very-secret-token',
          'x-tcc-signature': 'sha256=abcdef',
          cookie: 'session=1',
        },
        body: '{}',
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const [line] = out.lines();
    expect(line).toMatchObject({
      level: 'info',
      app: 'test',
      method: 'POST',
      path: '/tcc/debit/try',
      status: 409,
      caller: 'checkout',
      transactionId: TX,
      branchId: BRANCH,
      msg: 'POST /tcc/debit/try 409',
    });
    expect(typeof line.durationMs).toBe('number');
    expect(typeof line.requestId).toBe('string');
    expect(line).not.toHaveProperty('req');
    expect(line).not.toHaveProperty('res');
    const text = JSON.stringify(out.lines());
    expect(text).not.toMatch(/very-secret-token|sha256=|session=1|never-logged/);
  });

  it('redacts credentials and secret-named fields in objects logged by hand', () => {
    const out = capture();
    const logger = pino(
      { redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } },
      out.stream,
    );
    logger.info(
      {
        headers: { authorization: 'Bearer abc', 'x-tcc-signature': 'sha256=1' },
        participant: { token: 't', signingSecret: 's', name: 'account' },
        secret: 'top',
      },
      'hand-made',
    );
    const [line] = out.lines();
    expect(line).toMatchObject({
      headers: { authorization: '[redacted]', 'x-tcc-signature': '[redacted]' },
      participant: { token: '[redacted]', signingSecret: '[redacted]', name: 'account' },
      secret: '[redacted]',
    });
  });
});
