import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AdminOnly, Public } from './auth';
import { AUTH_TOKENS, BearerAuthGuard, CallerName, CredentialMatcher } from './bearer-auth';
import { createHttpApp } from './bootstrap';

@Controller()
class ProbeController {
  @Public() @Get('open') open(): string {
    return 'open';
  }
  @Get('client') client(@CallerName() caller: string): string {
    return caller;
  }
  @AdminOnly() @Get('admin') admin(): string {
    return 'admin';
  }
}

@Module({
  controllers: [ProbeController],
  providers: [
    {
      provide: AUTH_TOKENS,
      useValue: new CredentialMatcher({
        apiKeys: [
          { caller: 'default', key: 'api-key-1' },
          { caller: 'default', key: 'api-key-0' },
          { caller: 'checkout', key: 'checkout-key-1' },
          { caller: 'checkout', key: 'checkout-key-0' },
          { caller: 'billing', key: 'billing-key-1' },
        ],
        adminTokens: ['admin-token-1', 'admin-token-0'],
      }),
    },
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

  it('accepts every API key and admin token on client handlers, naming the caller', async () => {
    expect((await get('/client')).status).toBe(401);
    for (const wrong of ['wrong', 'api-key-2', 'checkout-key-1x', 'billing-key-0', 'API-KEY-1']) {
      expect({ wrong, status: (await get('/client', wrong)).status }).toEqual({
        wrong,
        status: 401,
      });
    }
    const callers: [string, string][] = [
      ['api-key-1', 'default'],
      ['api-key-0', 'default'],
      ['checkout-key-1', 'checkout'],
      ['checkout-key-0', 'checkout'],
      ['billing-key-1', 'billing'],
      ['admin-token-1', 'admin'],
      ['admin-token-0', 'admin'],
    ];
    for (const [token, caller] of callers) {
      const answer = await get('/client', token);
      expect({ token, status: answer.status, caller: answer.text }).toEqual({
        token,
        status: 200,
        caller,
      });
    }
  });

  it('accepts only the admin token on admin handlers: 401 without, 403 for the API key', async () => {
    expect((await get('/admin')).status).toBe(401);
    expect((await get('/admin', 'wrong')).status).toBe(401);
    for (const key of ['api-key-1', 'api-key-0', 'checkout-key-1']) {
      const forbidden = await get('/admin', key);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers['content-type']).toMatch(/problem\+json/);
    }
    expect((await get('/admin', 'admin-token-1')).status).toBe(200);
    expect((await get('/admin', 'admin-token-0')).status).toBe(200);
  });
});
