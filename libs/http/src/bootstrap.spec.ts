import { Body, Controller, Logger, Module, Post } from '@nestjs/common';
import { ErrorCode, TccError } from '@app/protocol';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import request from 'supertest';
import { createHttpApp } from './bootstrap';
import { IsIntegerBetween } from './validation';

class EchoDto {
  @IsString() name: string;
  @IsInt() @Min(1) quantity: number;
  @IsOptional() @IsIntegerBetween(1, 9007199254740991) amount?: number;
}

@Controller()
class EchoController {
  @Post('echo') echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Post('empty') empty(): string {
    return 'done';
  }

  @Post('unknown-outcome') unknownOutcome(): never {
    throw new TccError(ErrorCode.TryOutcomeUnknown, 'The try timed out.');
  }

  @Post('crash') crash(): never {
    throw new Error('a bug');
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('createHttpApp', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createHttpApp(EchoModule, { logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .set('content-type', 'application/json')
      .send('{"name": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('MALFORMED_JSON');
  });

  it('answers a body over 256 KiB with 413', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(300 * 1024), quantity: 1 }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers a body nested deeper than 32 with a 400 problem, not a stack overflow', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .set('content-type', 'application/json')
      .send(`{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'body' }] });
  });

  it('lists every invalid and unknown field', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .send({ name: 3, quantity: 0.5, extra: true });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'extra',
      'name',
      'quantity',
    ]);
  });

  it('gives one message per invalid field, saying what is allowed', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .send({ name: 'n', quantity: 'many', amount: -5 });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'quantity', messages: [expect.any(String)] },
      { field: 'amount', messages: ['amount must be an integer from 1 to 9007199254740991'] },
    ]);
  });

  it('answers a body that is not declared as JSON with a 415 naming the header', async () => {
    const res = await request(app.getHttpServer())
      .post('/echo')
      .type('form')
      .send('{"name":"n","quantity":1}');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
    expect(res.body.detail).toContain('Content-Type: application/json');
  });

  it('lets a POST without a body through whatever its type', async () => {
    const res = await request(app.getHttpServer()).post('/empty').set('content-length', '0');
    expect(res.status).toBe(201);
  });

  it('logs an unexpected failure as an error, not a 5xx the code chose to answer', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const chosen = await request(app.getHttpServer()).post('/unknown-outcome');
      expect(chosen.status).toBe(502);
      expect(logged).not.toHaveBeenCalled();
      const crash = await request(app.getHttpServer()).post('/crash');
      expect(crash.status).toBe(500);
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      logged.mockRestore();
    }
  });

  describe('requests Node refuses before any route', () => {
    let server: Server;
    let port: number;

    beforeAll(async () => {
      server = app.getHttpServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const send = (raw: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(raw));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });

    it('answers headers over 16 KiB with a 431 problem', async () => {
      const answer = await send(
        `GET /nope HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer).toContain('Content-Type: application/problem+json');
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
        status: 431,
        code: 'HEADERS_TOO_LARGE',
      });
    });

    it('answers HEAD with headers only, as HTTP requires', async () => {
      const answer = await send(
        `HEAD /nope HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer.endsWith('\r\n\r\n')).toBe(true);
    });

    it('answers a malformed request with a 400 problem', async () => {
      const answer = await send('GET /nope HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('"code":"MALFORMED_REQUEST"');
    });
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await request(app.getHttpServer()).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('keeps the raw body for signature checks', async () => {
    const res = await request(app.getHttpServer()).post('/echo').send({ name: 'a', quantity: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ name: 'a', quantity: 2 });
  });
});
