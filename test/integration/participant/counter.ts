import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { postgresOptions } from '@app/database';
import { AUTH_TOKENS, BearerAuthGuard } from '@app/http';
import {
  CreateTccBarrier1700000000000,
  ParticipantOptions,
  TccParticipantModule,
  defineAction,
  refuse,
  runSql,
} from '@app/participant';
import { MAX_AMOUNT } from '@app/protocol';
import { SECRETS, TOKENS } from './support';

/** Tables of the counter action used to exercise every barrier case. */
export class CreateCounter1700000000500 implements MigrationInterface {
  name = 'CreateCounter1700000000500';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE counters (
        name text PRIMARY KEY,
        available bigint NOT NULL CHECK (available >= 0),
        held bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
        used bigint NOT NULL DEFAULT 0 CHECK (used >= 0))`);
    await runner.query(`
      CREATE TABLE counter_holds (
        transaction_id text NOT NULL,
        branch_id text NOT NULL,
        name text NOT NULL REFERENCES counters (name),
        amount bigint NOT NULL,
        state text NOT NULL CHECK (state IN ('HELD', 'CONFIRMED', 'CANCELLED')),
        PRIMARY KEY (transaction_id, branch_id))`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE counter_holds, counters');
  }
}

/** Payload of the counter action. */
export class CounterPayload {
  @IsString() name: string;
  @IsInt() @Min(1) @Max(MAX_AMOUNT) amount: number;
  /** Makes the try throw a plain error after writing, to prove the local transaction rolls back. */
  @IsOptional() @IsBoolean() explode?: boolean;
}

/** How many times each business phase ran and committed nothing or something; tests read it. */
export const businessCalls = { try: 0, confirm: 0, cancel: 0 };

/** Holds `amount` of a counter on try; uses it on confirm; gives it back on cancel. */
export const counterAction = defineAction({
  name: 'counter',
  payload: CounterPayload,
  async try({ manager, payload, transactionId, branchId }) {
    businessCalls.try += 1;
    const taken = await runSql(
      manager,
      `UPDATE counters SET available = available - $2, held = held + $2
       WHERE name = $1 AND available >= $2`,
      [payload.name, payload.amount],
    );
    if (taken.rowCount === 0)
      refuse('INSUFFICIENT', `Counter ${payload.name} has less than ${payload.amount}.`);
    await runSql(
      manager,
      `INSERT INTO counter_holds (transaction_id, branch_id, name, amount, state)
       VALUES ($1, $2, $3, $4, 'HELD')`,
      [transactionId, branchId, payload.name, payload.amount],
    );
    if (payload.explode) throw new Error('exploded after writing');
  },
  async confirm({ manager, transactionId, branchId }) {
    businessCalls.confirm += 1;
    await runSql(
      manager,
      `WITH hold AS (
         UPDATE counter_holds SET state = 'CONFIRMED'
         WHERE transaction_id = $1 AND branch_id = $2 AND state = 'HELD'
         RETURNING name, amount)
       UPDATE counters c SET held = c.held - hold.amount, used = c.used + hold.amount
       FROM hold WHERE c.name = hold.name`,
      [transactionId, branchId],
    );
  },
  async cancel({ manager, transactionId, branchId }) {
    businessCalls.cancel += 1;
    await runSql(
      manager,
      `WITH hold AS (
         UPDATE counter_holds SET state = 'CANCELLED'
         WHERE transaction_id = $1 AND branch_id = $2 AND state = 'HELD'
         RETURNING name, amount)
       UPDATE counters c SET held = c.held - hold.amount, available = c.available + hold.amount
       FROM hold WHERE c.name = hold.name`,
      [transactionId, branchId],
    );
  },
});

/** A Nest app serving only the counter action, behind the bearer guard like a real participant. */
@Module({})
export class CounterAppModule {
  static forRoot({
    url,
    ...overrides
  }: { url: string } & Partial<ParticipantOptions>): DynamicModule {
    return {
      module: CounterAppModule,
      imports: [
        TypeOrmModule.forRoot(
          postgresOptions({
            url,
            entities: [],
            migrations: [CreateTccBarrier1700000000000, CreateCounter1700000000500],
            applicationName: 'participant-barrier-test',
            poolSize: 20,
          }),
        ),
        TccParticipantModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            name: 'counter',
            publicUrl: 'http://127.0.0.1:9',
            coordinatorUrl: 'http://127.0.0.1:9',
            apiKey: TOKENS.apiKey,
            signingSecrets: [SECRETS.current, SECRETS.previous],
            actions: [counterAction],
            dataSource,
            register: false,
            ...overrides,
          }),
        }),
      ],
      providers: [
        { provide: AUTH_TOKENS, useValue: TOKENS },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
      ],
    };
  }
}
