import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import request from 'supertest';
import { createHttpApp } from '@app/http';
import { AccountModule } from '../../../apps/account/src/account.module';
import { readAccountConfig } from '../../../apps/account/src/config/account-config';
import { createTestDatabase, TestDatabase } from '../../support/db';
import { SECRETS, TOKENS } from '../participant/support';

/** The account participant booted in-process on two fresh shard databases. */
export interface AccountApp {
  app: NestExpressApplication;
  /** Shard name → its database, to look at rows directly. */
  shards: Record<'shard-0' | 'shard-1', TestDatabase>;
  /** Creates an account through the admin seeding endpoint; fails the test unless 201. */
  seed(id: string, balance: number): Promise<void>;
  /** `GET /accounts/:id` body (balance, frozen, incoming, shard). */
  account(
    id: string,
  ): Promise<{ balance: number; frozen: number; incoming: number; shard: string }>;
  /** Runs one SQL query on a shard's database. */
  query<T>(shard: string, sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Boots the app without registration (there is no coordinator) on two new shard databases. */
export async function startAccountApp(prefix: string): Promise<AccountApp> {
  const shards = {
    'shard-0': await createTestDatabase(`${prefix}_s0`),
    'shard-1': await createTestDatabase(`${prefix}_s1`),
  };
  const config = readAccountConfig({
    ACCOUNT_SHARD_URLS: `shard-0=${shards['shard-0'].url},shard-1=${shards['shard-1'].url}`,
    TCC_API_KEY: TOKENS.apiKey,
    TCC_ADMIN_TOKEN: TOKENS.adminToken,
    TCC_SIGNING_SECRET: SECRETS.current,
    TCC_SIGNING_SECRET_PREVIOUS: SECRETS.previous,
  });
  const app = await createHttpApp(AccountModule.forRoot(config, { register: false }), {
    logger: false,
  });
  await app.init();

  const http = () => request(app.getHttpServer());
  return {
    app,
    shards,
    async seed(id, balance) {
      const response = await http()
        .put(`/accounts/${encodeURIComponent(id)}`)
        .set('authorization', `Bearer ${TOKENS.adminToken}`)
        .send({ balance });
      expect(response.status).toBe(201);
    },
    async account(id) {
      const response = await http()
        .get(`/accounts/${encodeURIComponent(id)}`)
        .set('authorization', `Bearer ${TOKENS.apiKey}`);
      expect(response.status).toBe(200);
      return response.body as { balance: number; frozen: number; incoming: number; shard: string };
    },
    async query<T>(shard: string, sql: string, params: unknown[] = []) {
      const database = shards[shard as keyof typeof shards];
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    async close() {
      await app.close();
      await Promise.all(Object.values(shards).map((database) => database.drop()));
    },
  };
}
