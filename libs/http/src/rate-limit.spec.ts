import { Controller, Get, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AdminOnly, Public } from './auth';
import { createHttpApp } from './bootstrap';
import { AccessModule } from './rate-limit';

const tokens = {
  apiKey: 'api-key-1',
  adminToken: 'admin-token-1',
  checkout: 'checkout-key-1',
  checkoutPrevious: 'checkout-key-0',
};
const authTokens = {
  apiKeys: [
    { caller: 'default', key: tokens.apiKey },
    { caller: 'checkout', key: tokens.checkout },
    { caller: 'checkout', key: tokens.checkoutPrevious },
  ],
  adminTokens: [tokens.adminToken],
};

@Controller()
class ProbeController {
  @Public() @Get('open') open(): string {
    return 'open';
  }
  @Get('one') one(): string {
    return 'one';
  }
  @Get('two') two(): string {
    return 'two';
  }
  @AdminOnly() @Get('admin') admin(): string {
    return 'admin';
  }
}

async function appWithLimit(rateLimitPerMinute: number): Promise<NestExpressApplication> {
  @Module({
    imports: [AccessModule.forRoot({ tokens: authTokens, rateLimitPerMinute })],
    controllers: [ProbeController],
  })
  class ProbeModule {}
  const app = await createHttpApp(ProbeModule, { logger: false });
  await app.init();
  return app;
}

describe('AccessModule rate limit', () => {
  let app: NestExpressApplication;
  const get = (path: string, token?: string) => {
    const req = request(app.getHttpServer()).get(path);
    return token ? req.set('authorization', `Bearer ${token}`) : req;
  };
  const statuses = async (count: number, path: string, token?: string): Promise<number[]> => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await get(path, token)).status);
    return seen;
  };

  describe('at 3 requests per minute', () => {
    beforeEach(async () => {
      app = await appWithLimit(3);
    });
    afterEach(() => app.close());

    it('counts every route of a client in one bucket and answers 429 problem+json with Retry-After', async () => {
      expect(await statuses(2, '/one', tokens.apiKey)).toEqual([200, 200]);
      expect((await get('/two', tokens.apiKey)).status).toBe(200);
      const refused = await get('/two', tokens.apiKey);
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.body.retryAfterSeconds).toBe(Number(refused.headers['retry-after']));
    });

    it('gives the admin token its own bucket', async () => {
      expect(await statuses(4, '/one', tokens.apiKey)).toEqual([200, 200, 200, 429]);
      expect(await statuses(3, '/admin', tokens.adminToken)).toEqual([200, 200, 200]);
    });

    it('gives each named key its own bucket, shared by its current and previous value', async () => {
      expect(await statuses(3, '/one', tokens.apiKey)).toEqual([200, 200, 200]);
      expect(await statuses(2, '/one', tokens.checkout)).toEqual([200, 200]);
      expect(await statuses(2, '/one', tokens.checkoutPrevious)).toEqual([200, 429]);
      expect((await get('/one', tokens.apiKey)).status).toBe(429);
    });

    it('limits wrong tokens by address before the bearer guard answers 401', async () => {
      expect(await statuses(2, '/one', 'guess-1')).toEqual([401, 401]);
      expect((await get('/one', 'guess-2')).status).toBe(401);
      expect((await get('/one')).status).toBe(429);
      expect((await get('/one', 'guess-3')).status).toBe(429);
      expect((await get('/one', tokens.apiKey)).status).toBe(200);
    });

    it('never limits public handlers', async () => {
      expect(await statuses(10, '/open')).toEqual(Array(10).fill(200));
    });
  });

  it('limits nothing at 0', async () => {
    app = await appWithLimit(0);
    try {
      expect(await statuses(20, '/one', tokens.apiKey)).toEqual(Array(20).fill(200));
      expect((await get('/admin', tokens.apiKey)).status).toBe(403);
    } finally {
      await app.close();
    }
  });
});
