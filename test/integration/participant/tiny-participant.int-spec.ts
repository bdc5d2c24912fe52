import { DynamicModule, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IsInt, IsString, Min } from 'class-validator';
import type { AddressInfo } from 'node:net';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { postgresOptions } from '@app/database';
import { createHttpApp } from '@app/http';
import {
  CreateTccBarrier1700000000000,
  ParticipantRetention,
  TccParticipantModule,
  defineAction,
  refuse,
  runSql,
} from '@app/participant';
import { DEADLINE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signCall } from '@app/protocol';
import { TestDatabase, createTestDatabase } from '../../support/db';

// ---- The whole "seats" participant: a table, a payload and three statements of business SQL. ----

class CreateSeats1700000000600 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE seats (
        show text NOT NULL, seat int NOT NULL, state text NOT NULL DEFAULT 'FREE',
        transaction_id text, branch_id text, PRIMARY KEY (show, seat))`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE seats');
  }
}

class SeatPayload {
  @IsString() show: string;
  @IsInt() @Min(1) seat: number;
}

const book = defineAction({
  name: 'book',
  payload: SeatPayload,
  async try({ manager, payload, transactionId, branchId }) {
    const held = await runSql(
      manager,
      `UPDATE seats SET state = 'HELD', transaction_id = $3, branch_id = $4
       WHERE show = $1 AND seat = $2 AND state = 'FREE'`,
      [payload.show, payload.seat, transactionId, branchId],
    );
    if (held.rowCount === 0) refuse('SEAT_TAKEN', `Seat ${payload.seat} is not free.`);
  },
  async confirm({ manager, transactionId, branchId }) {
    await manager.query(
      `UPDATE seats SET state = 'SOLD' WHERE transaction_id = $1 AND branch_id = $2 AND state = 'HELD'`,
      [transactionId, branchId],
    );
  },
  async cancel({ manager, transactionId, branchId }) {
    await manager.query(
      `UPDATE seats SET state = 'FREE', transaction_id = NULL, branch_id = NULL
       WHERE transaction_id = $1 AND branch_id = $2 AND state = 'HELD'`,
      [transactionId, branchId],
    );
  },
});

@Module({})
class SeatsModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: SeatsModule,
      imports: [
        TypeOrmModule.forRoot(
          postgresOptions({
            url,
            entities: [],
            migrations: [CreateTccBarrier1700000000000, CreateSeats1700000000600],
            applicationName: 'seats',
          }),
        ),
        TccParticipantModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            name: 'seats',
            publicUrl: 'http://127.0.0.1:4200',
            coordinatorUrl: 'http://127.0.0.1:9',
            apiKey: 'seats-api-key',
            signingSecrets: ['seats-signing-secret'],
            actions: [book],
            dataSource,
            register: false,
            retentionDays: 30,
          }),
        }),
      ],
    };
  }
}

// ---- The test plays the coordinator over real HTTP. ----

describe('a participant written with the SDK (seats)', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let baseUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('tiny_participant');
    app = await createHttpApp(SeatsModule.forRoot(db.url), { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await app
      .get(DataSource)
      .query(`INSERT INTO seats (show, seat) VALUES ('hamlet', 1), ('hamlet', 2)`);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  async function coordinatorCall(
    phase: 'try' | 'confirm' | 'cancel',
    transactionId: string,
    seat: number,
  ): Promise<{ status: number; body: { code?: string; outcome?: string } }> {
    const path = `/tcc/book/${phase}`;
    const body = JSON.stringify({
      transactionId,
      branchId: 'b1',
      payload: { show: 'hamlet', seat },
    });
    const timestamp = String(Date.now());
    const deadline = phase === 'try' ? String(Date.now() + 30_000) : '';
    const signature = signCall('seats-signing-secret', {
      timestamp,
      method: 'POST',
      path,
      deadline,
      body,
    });
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signature,
        ...(deadline ? { [DEADLINE_HEADER]: deadline } : {}),
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as { code?: string } };
  }

  async function seats(): Promise<Record<number, string>> {
    const rows = await app
      .get(DataSource)
      .query<{ seat: number; state: string }[]>('SELECT seat, state FROM seats ORDER BY seat');
    return Object.fromEntries(rows.map((r) => [r.seat, r.state]));
  }

  it('sells a seat to exactly one of two racing bookings and frees a cancelled one', async () => {
    const [alice, bob] = await Promise.all([
      coordinatorCall('try', 'tiny-alice', 1),
      coordinatorCall('try', 'tiny-bob', 1),
    ]);
    expect([alice.status, bob.status].sort()).toEqual([200, 409]);
    const [winner, loser] =
      alice.status === 200 ? ['tiny-alice', 'tiny-bob'] : ['tiny-bob', 'tiny-alice'];
    expect((alice.status === 409 ? alice : bob).body.code).toBe('SEAT_TAKEN');

    expect((await coordinatorCall('confirm', winner, 1)).status).toBe(200);
    expect((await coordinatorCall('cancel', loser, 1)).status).toBe(200);
    expect((await coordinatorCall('confirm', winner, 1)).status).toBe(200);

    expect((await coordinatorCall('try', 'tiny-carol', 2)).status).toBe(200);
    expect(await seats()).toEqual({ 1: 'SOLD', 2: 'HELD' });
    expect((await coordinatorCall('cancel', 'tiny-carol', 2)).status).toBe(200);
    expect(await seats()).toEqual({ 1: 'SOLD', 2: 'FREE' });
  });

  it('refuses unsigned calls and serves the purge job', async () => {
    const response = await fetch(`${baseUrl}/tcc/book/try`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    // Nothing is older than 30 days yet.
    expect(await app.get(ParticipantRetention).purgeOnce()).toBe(0);
  });
});
