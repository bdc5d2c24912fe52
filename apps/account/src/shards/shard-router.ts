import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { HashRing } from '@app/hash-ring';
import { AccountWhereabouts } from '../ring/account-lock';
import { arrivingFrom, forwardedTo, welcomeAccounts } from '../ring/arrivals';
import { RingControl, newestControl, readControl } from '../ring/ring-state';

/** One connected account shard. */
export interface Shard {
  name: string;
  dataSource: DataSource;
}

/** What to do after reading an account's whereabouts on the shard a request reached. */
export type Verdict =
  | { kind: 'here' }
  /** Wait this long, then route again (the account moved, is arriving, or the ring changed). */
  | { kind: 'elsewhere'; retryAfterMs: number };

/** How long a request waits for an account that is being copied in, before it looks again. */
const ARRIVING_RETRY_MS = 5;
/** Where-moved hints kept in memory: past this many, they are dropped and relearnt. */
const MAX_HINTS = 100_000;

const logger = new Logger('ShardRouter');

/**
 * Places every account on one shard. The ring (names and version) is the
 * durable one the shards hold, not the configured list: an account lives on
 * the shard the ring names, or on the shard a move forwarded it to, and
 * every request checks that on the shard itself, inside its transaction
 * (see {@link whereabouts}), so a process with an out-of-date ring or
 * hint is sent on rather than served wrongly.
 */
export class ShardRouter {
  private readonly byName: ReadonlyMap<string, Shard>;
  private current: RingControl;
  private ring: HashRing;
  private readonly hints = new Map<string, string>();
  /** Accounts a request found arriving: the next request settles the arrival before it goes. */
  private readonly arrivals = new Set<string>();
  private refreshing: Promise<RingControl> | undefined;

  constructor(
    /** Every shard in ACCOUNT_SHARD_URLS, connected, in the listed order. */
    readonly shards: readonly Shard[],
    control: RingControl,
  ) {
    this.byName = new Map(shards.map((shard) => [shard.name, shard]));
    this.current = control;
    this.ring = new HashRing(control.shards);
  }

  /** The names in ACCOUNT_SHARD_URLS, in the listed order. */
  get configured(): string[] {
    return this.shards.map((shard) => shard.name);
  }

  /** The ring and rebalance record as this process last read them. */
  get control(): RingControl {
    return this.current;
  }

  /** The connected shard `name`; throws for a name outside ACCOUNT_SHARD_URLS. */
  shard(name: string): Shard {
    const shard = this.byName.get(name);
    if (!shard) throw new Error(`Shard "${name}" is not in ACCOUNT_SHARD_URLS`);
    return shard;
  }

  /** Name of the shard this process believes holds `accountId`; the shard itself has the last word. */
  shardFor(accountId: string): string {
    return this.hints.get(accountId) ?? this.ring.nodeFor(accountId);
  }

  /** The database of {@link shardFor}, once a ring refresh in progress has finished. */
  async dataSourceFor(accountId: string): Promise<DataSource> {
    await this.refreshed();
    if (this.arrivals.delete(accountId)) await this.settleArrival(accountId);
    return this.shard(this.shardFor(accountId)).dataSource;
  }

  /**
   * An account found arriving: when its source has let go (the move's
   * commit point passed) the arrival is finished here at once, as the mover
   * would a moment later, and still would if it had died; otherwise the
   * source still holds it and the request goes there.
   */
  private async settleArrival(accountId: string): Promise<void> {
    const here = this.shardFor(accountId);
    const from = await arrivingFrom(this.shard(here).dataSource, accountId);
    if (from === null || !this.byName.has(from)) return;
    if ((await forwardedTo(this.shard(from).dataSource, accountId)) === here) {
      await welcomeAccounts(this.shard(here).dataSource, [accountId]);
    } else {
      this.hints.set(accountId, from);
    }
  }

  /** Resolves once a ring refresh in progress (if any) has finished, whether or not it succeeded. */
  async refreshed(): Promise<void> {
    await this.refreshing?.catch(() => undefined);
  }

  /**
   * Judges an account's whereabouts read on the shard a request reached (inside the request's
   * transaction, after the account lock): learns where it moved, and starts
   * a refresh when the shard holds a newer ring than this process.
   */
  whereabouts(accountId: string, seen: AccountWhereabouts): Verdict {
    if (seen.arriving) {
      this.arrivals.add(accountId);
      return { kind: 'elsewhere', retryAfterMs: ARRIVING_RETRY_MS };
    }
    if (seen.moved_to !== null) {
      if (this.hints.size >= MAX_HINTS) this.hints.clear();
      this.hints.set(accountId, seen.moved_to);
      return { kind: 'elsewhere', retryAfterMs: 0 };
    }
    if (seen.version !== null && seen.version > this.current.version) {
      void this.refresh().catch(() => undefined);
      return { kind: 'elsewhere', retryAfterMs: 0 };
    }
    return { kind: 'here' };
  }

  /**
   * Reads every shard's control and adopts the newest (highest epoch); a new
   * ring version drops the hints, which it makes unnecessary. Concurrent
   * callers share one read.
   */
  refresh(): Promise<RingControl> {
    this.refreshing ??= this.readNewest().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Adopts `control` if it is newer than the one held (a rebalance writing it calls this). */
  adopt(control: RingControl): void {
    if (control.epoch <= this.current.epoch) return;
    if (control.version !== this.current.version) {
      this.ring = new HashRing(control.shards);
      this.hints.clear();
      logger.log(`ring version ${control.version}: ${control.shards.join(', ')}`);
    }
    this.current = control;
  }

  private async readNewest(): Promise<RingControl> {
    const stored = await Promise.all(
      this.shards.map((shard) => readControl(shard.dataSource).catch(() => null)),
    );
    const newest = newestControl(stored);
    if (newest !== null) this.adopt(newest);
    return this.current;
  }
}
