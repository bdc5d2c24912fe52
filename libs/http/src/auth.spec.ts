import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AUTH_TOKENS, AdminOnly, BearerAuthGuard, Public } from './auth';
import { createHttpApp } from './bootstrap';

@Controller()
class ProbeController {
  @Public() @Get('open') open(): string {
    return 'open';
  }
  @Get('client') client(): string {
    return 'client';
  }
  @AdminOnly() @Get('admin') admin(): string {
    return 'admin';
  }
}

@Module({
  controllers: [ProbeController],
  providers: [
    { provide: AUTH_TOKENS, useValue: { apiKey: 'api-key-1', adminToken: 'admin-token-1' } },
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
})
class ProbeModule {}

describe('BearerAuthGuard', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await createHttpApp(ProbeModule, { logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  const get = (path: string, token?: string) => {
    const req = request(app.getHttpServer()).get(path);
    return token ? req.set('authorization', `Bearer ${token}`) : req;
  };

  it('lets anyone reach public handlers', async () => {
    expect((await get('/open')).status).toBe(200);
  });

  it('accepts the API key and the admin token on client handlers', async () => {
    expect((await get('/client')).status).toBe(401);
    expect((await get('/client', 'wrong')).status).toBe(401);
    expect((await get('/client', 'api-key-1')).status).toBe(200);
    expect((await get('/client', 'admin-token-1')).status).toBe(200);
  });

  it('accepts only the admin token on admin handlers: 401 without, 403 for the API key', async () => {
    expect((await get('/admin')).status).toBe(401);
    expect((await get('/admin', 'wrong')).status).toBe(401);
    const forbidden = await get('/admin', 'api-key-1');
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['content-type']).toMatch(/problem\+json/);
    expect((await get('/admin', 'admin-token-1')).status).toBe(200);
  });
});
