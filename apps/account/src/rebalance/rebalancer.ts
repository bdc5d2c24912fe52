import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { HashRing } from '@app/hash-ring';
import { runSql } from '@app/participant';
import { ErrorCode, TccError } from '@app/protocol';
import {
  Move,
  batchesOf,
  holdersOf,
  isUnfinished,
  movedCount,
  planMoves,
  targetProblem,
} from '../ring/placement';
import { RebalanceRecord, RebalanceState, RingControl, writeControl } from '../ring/ring-state';
import { Shard, ShardRouter } from '../shards/shard-router';
import { moveAccounts, settleArrivals } from './account-mover';

/** The `rebalance` object of `GET /admin/shards` and of `POST /admin/shards/rebalance`'s 202. */
export interface RebalanceView {
  state: RebalanceState;
  target: string[];
  total: number;
  moved: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

/** `GET /admin/shards`. */
export interface ShardsView {
  ring: { version: number; shards: string[] };
  configured: string[];
  rebalance: RebalanceView;
}

/** `GET /admin/shards/plan`: what a rebalance to `target` would move, moving nothing. */
export interface PlanView {
  ring: { version: number; shards: string[] };
  target: string[];
  total: number;
  moves: { from: string; to: string; accounts: number }[];
}

/** Injection token of the rebalancer's {@link RebalanceOptions}. */
export const REBALANCE_OPTIONS = Symbol('REBALANCE_OPTIONS');

/** How a rebalance moves accounts. */
export interface RebalanceOptions {
  /** Accounts moved in one step: one lock set, one copy, two commits. */
  moveBatchSize: number;
}
/** Account ids read per query while planning. */
const SCAN_PAGE = 5_000;
/** How often each process re-reads the ring, and looks for a rebalance to resume. */
const WATCH_INTERVAL_MS = 1_000;
/** Attempts of one move batch before the rebalance is marked failed. */
const MOVE_ATTEMPTS = 5;
/** The session advisory lock, on every shard involved, that one rebalance runner holds. */
const RUNNER_LOCK = 7_465_611_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The runner's exclusive hold on a rebalance: a session lock on every shard
 * involved, taken in name order without waiting, so two processes never both
 * run one; a dead runner's connections close and free it for the next.
 */
class RunnerLock {
  private constructor(private readonly runners: QueryRunner[]) {}

  static async take(shards: readonly Shard[]): Promise<RunnerLock | null> {
    const held: QueryRunner[] = [];
    const lock = new RunnerLock(held);
    try {
      for (const shard of [...shards].sort((a, b) => a.name.localeCompare(b.name))) {
        const runner = shard.dataSource.createQueryRunner();
        await runner.connect();
        held.push(runner);
        const [row] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS ok`, [
          RUNNER_LOCK,
        ])) as { ok: boolean }[];
        if (!row.ok) {
          held.pop();
          await runner.release();
          await lock.release();
          return null;
        }
      }
      return lock;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async release(): Promise<void> {
    await Promise.all(
      this.runners.splice(0).map(async (runner) => {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [RUNNER_LOCK]).catch(() => undefined);
        await runner.release();
      }),
    );
  }
}

/**
 * Changes the ring online: plans which accounts change owner, moves them in
 * batches ({@link moveAccounts}), then switches the ring version. Progress
 * is written with the ring into every shard involved, so any account
 * process, this one restarted or another, resumes an interrupted rebalance
 * within a second; moves are idempotent, so resuming redoes nothing.
 */
@Injectable()
export class Rebalancer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Rebalancer');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly router: ShardRouter,
    @Inject(REBALANCE_OPTIONS) private readonly options: RebalanceOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.watch();
  }

  // Before the shard pools close: a move in flight finishes or rolls back, and the rebalance stays running for the next start.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The ring, the configured shards and the last rebalance, freshly read. */
  async status(): Promise<ShardsView> {
    const control = await this.router.refresh();
    return {
      ring: { version: control.version, shards: control.shards },
      configured: this.router.configured,
      rebalance: viewOf(control.rebalance),
    };
  }

  /** What a rebalance to `target` would move now; moves nothing. */
  async plan(target: unknown): Promise<PlanView> {
    const shards = this.checkTarget(target);
    const control = await this.router.refresh();
    const moves = await this.planFor(holdersOf(control), shards);
    return {
      ring: { version: control.version, shards: control.shards },
      target: shards,
      total: movedCount(moves),
      moves: moves.map((move) => ({ from: move.from, to: move.to, accounts: move.ids.length })),
    };
  }

  /**
   * Starts a rebalance to exactly `target` (also the way to run a failed one
   * again) and answers with its record; 409 while one runs.
   */
  async start(target: unknown): Promise<RebalanceView> {
    const shards = this.checkTarget(target);
    let control = await this.router.refresh();
    if (this.running !== undefined || control.rebalance?.state === 'running') throw busy();
    const lock = await RunnerLock.take(this.shardsNamed([...holdersOf(control), ...shards]));
    if (lock === null) throw busy();
    try {
      control = await this.router.refresh();
      if (control.rebalance?.state === 'running') throw busy();
      const holders = [...new Set([...holdersOf(control), ...shards])].sort();
      const moves = await this.planFor(holders, shards);
      const record: RebalanceRecord = {
        state: 'running',
        target: shards,
        total: movedCount(moves),
        moved: 0,
        startedAt: new Date().toISOString(),
        finishedAt: null,
        error: null,
        toVersion: sameNames(shards, control.shards) ? control.version : control.version + 1,
        holders,
      };
      await this.publish({ ...control, rebalance: record }, true);
      this.logger.log(
        `rebalance to ${shards.join(', ')} started: ${record.total} account(s) to move`,
      );
    } catch (error) {
      await lock.release();
      throw error;
    }
    this.launch(lock);
    return viewOf(this.router.control.rebalance);
  }

  private checkTarget(target: unknown): string[] {
    const problem = targetProblem(target, this.router.configured);
    if (problem !== null) throw new TccError(ErrorCode.ValidationFailed, problem);
    return [...(target as string[])].sort();
  }

  private shardsNamed(names: readonly string[]): Shard[] {
    return [...new Set(names)].map((name) => this.router.shard(name));
  }

  private launch(lock: RunnerLock): void {
    this.running = this.run()
      .catch(async (error: unknown) => {
        if (this.stopping) {
          this.logger.log('rebalance interrupted by shutdown; the next start resumes it');
          return;
        }
        this.logger.error(`rebalance failed: ${message(error)}`);
        await this.fail(message(error)).catch(() => undefined);
      })
      .finally(async () => {
        await lock.release();
        this.running = undefined;
      });
  }

  /** Re-reads the ring every second, and resumes a running rebalance nobody runs. */
  private watch(): void {
    this.timer = setTimeout(() => {
      void this.resumeIfOrphaned()
        .catch((error: unknown) => this.logger.warn(`ring watch: ${message(error)}`))
        .finally(() => {
          if (!this.stopping) this.watch();
        });
    }, WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  private async resumeIfOrphaned(): Promise<void> {
    const control = await this.router.refresh();
    if (this.running !== undefined || control.rebalance?.state !== 'running') return;
    const lock = await RunnerLock.take(this.shardsNamed(holdersOf(control)));
    if (lock === null) return;
    const again = await this.router.refresh().catch(() => null);
    if (again?.rebalance?.state !== 'running' || this.stopping) {
      await lock.release();
      return;
    }
    this.logger.log(`resuming the rebalance to ${again.rebalance.target.join(', ')}`);
    this.launch(lock);
  }

  /** Reads every account id on `holders` and plans the moves to the ring of `target`. */
  private async planFor(holders: readonly string[], target: readonly string[]): Promise<Move[]> {
    const ring = new HashRing(target);
    const holdings = new Map<string, string[]>();
    for (const name of holders) holdings.set(name, await this.accountIds(name));
    return planMoves(holdings, ring);
  }

  private async accountIds(shard: string, createdSinceStart = false): Promise<string[]> {
    const ids: string[] = [];
    const manager = this.router.shard(shard).dataSource.manager;
    for (;;) {
      const { rows } = await runSql<{ id: string }>(
        manager,
        createdSinceStart
          ? `SELECT a.id FROM accounts a, account_ring r
             WHERE a.created_at >= COALESCE(r.rebalance_started_at, '-infinity') AND a.id > $1
             ORDER BY a.id LIMIT $2`
          : `SELECT id FROM accounts WHERE id > $1 ORDER BY id LIMIT $2`,
        [ids.at(-1) ?? '', SCAN_PAGE],
      );
      ids.push(...rows.map((row) => row.id));
      if (rows.length < SCAN_PAGE) return ids;
    }
  }

  private async run(): Promise<void> {
    const started = this.router.control;
    const record = started.rebalance;
    if (!isUnfinished(record)) return;
    const involved = this.shardsNamed([...record.holders, ...record.target]);
    const settled = await settleArrivals(involved, (name) => this.router.shard(name));
    if (settled > 0) this.logger.log(`settled ${settled} interrupted move(s)`);

    // What is left says what was done: the progress last written may lag a crash.
    const moves = await this.planFor(record.holders, record.target);
    await this.progress({ moved: Math.max(0, record.total - movedCount(moves)) });
    await this.carryOut(moves);

    // Opening accounts waits from here on, so the last look below misses none.
    await this.publish({ ...this.router.control, acceptingAccounts: false });
    const ring = new HashRing(record.target);
    const late = new Map<string, string[]>();
    for (const name of record.holders) late.set(name, await this.accountIds(name, true));
    const lateMoves = planMoves(late, ring);
    if (lateMoves.length > 0) {
      const current = this.router.control.rebalance as RebalanceRecord;
      await this.progress({ total: current.total + movedCount(lateMoves) });
      await this.carryOut(lateMoves);
    }

    const done = this.router.control.rebalance as RebalanceRecord;
    await this.publish({
      ...this.router.control,
      version: done.toVersion,
      shards: done.target,
    });
    await this.publish({
      ...this.router.control,
      acceptingAccounts: true,
      rebalance: { ...done, state: 'done', finishedAt: new Date().toISOString() },
    });
    this.logger.log(
      `rebalance done: ring version ${done.toVersion} is ${done.target.join(', ')}, ${done.moved} account(s) moved`,
    );
  }

  private async carryOut(moves: readonly Move[]): Promise<void> {
    for (const move of moves) {
      for (const batch of batchesOf(move, this.options.moveBatchSize)) {
        if (this.stopping) throw new Error('the account app is shutting down');
        const moved = await this.withRetries(() =>
          moveAccounts(this.router.shard(batch.from), this.router.shard(batch.to), batch.ids),
        );
        const current = this.router.control.rebalance as RebalanceRecord;
        await this.progress({ moved: current.moved + moved });
      }
    }
  }

  private async withRetries<T>(step: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        if (attempt >= MOVE_ATTEMPTS || this.stopping) throw error;
        this.logger.warn(`move failed (attempt ${attempt}), retrying: ${message(error)}`);
        await sleep(attempt * 500);
      }
    }
  }

  private progress(change: Partial<RebalanceRecord>): Promise<void> {
    const control = this.router.control;
    return this.publish({
      ...control,
      rebalance: { ...(control.rebalance as RebalanceRecord), ...change },
    });
  }

  private async fail(error: string): Promise<void> {
    const control = await this.router.refresh();
    if (control.rebalance?.state !== 'running') return;
    await this.publish(
      {
        ...control,
        acceptingAccounts: true,
        rebalance: { ...control.rebalance, state: 'failed', error },
      },
      false,
      true,
    );
  }

  /**
   * Writes the next epoch of the control to every shard involved, then
   * adopts it. `bestEffort` skips shards that cannot be written (recording a
   * failure must not fail on the shard that caused it).
   */
  private async publish(
    control: RingControl,
    stampStart = false,
    bestEffort = false,
  ): Promise<void> {
    const next: RingControl = { ...control, epoch: this.router.control.epoch + 1 };
    const names = holdersOf(next).concat(
      next.rebalance?.target ?? [],
      next.rebalance?.holders ?? [],
    );
    for (const shard of this.shardsNamed(names)) {
      const write = writeControl(shard.dataSource, next, stampStart);
      if (bestEffort) await write.catch(() => undefined);
      else await write;
    }
    this.router.adopt(next);
  }
}

function busy(): TccError {
  return new TccError(ErrorCode.RebalanceRunning, 'A rebalance is running; wait for it to finish.');
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((name, i) => name === [...b].sort()[i]);
}

function viewOf(record: RebalanceRecord | null): RebalanceView {
  if (record === null) {
    return {
      state: 'idle',
      target: [],
      total: 0,
      moved: 0,
      startedAt: null,
      finishedAt: null,
      error: null,
    };
  }
  const { state, target, total, moved, startedAt, finishedAt, error } = record;
  return { state, target, total, moved, startedAt, finishedAt, error };
}
