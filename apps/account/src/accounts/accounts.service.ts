import { Injectable } from '@nestjs/common';
import { inTransaction } from '@app/database';
import { runSql } from '@app/participant';
import { ErrorCode, TccError } from '@app/protocol';
import {
  AccountRow,
  FoundAccount,
  findAccountStatement,
  foundAccount,
  insertAccount,
  openingCheckStatement,
} from '../ledger/accounts.repository';
import { shareAccountLock } from '../ring/account-lock';
import { ShardRouter } from '../shards/shard-router';
import type { AccountView } from './account.dto';

/** Most times one request looks for an account that keeps moving, or waits for a ring switch. */
const MAX_LOOKS = 2_000;
/** How long opening an account waits, each time, while a rebalance switches the ring. */
const SWITCH_RETRY_MS = 10;

interface OpeningCheck {
  version: number | null;
  accepting_accounts: boolean;
  moved_to: string | null;
  arriving: boolean;
}

/** What one attempt to open an account came to: done (null row: the id exists), or look again. */
type OpenAttempt = { row: AccountRow | null } | { retryAfterMs: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seeding and reading accounts, each on the shard that holds it now. */
@Injectable()
export class AccountsService {
  constructor(private readonly router: ShardRouter) {}

  /**
   * Creates an account with its opening balance on the shard the ring names;
   * an id that exists on any shard (here, or moved on from here) is a 409,
   * never an overwrite.
   */
  async open(id: string, balance: number): Promise<AccountView> {
    for (let look = 0; look < MAX_LOOKS; look++) {
      const dataSource = await this.router.dataSourceFor(id);
      const shard = this.router.shardFor(id);
      const outcome = await inTransaction<OpenAttempt>(
        dataSource,
        [shareAccountLock(id), openingCheckStatement(id)],
        async (manager, [, checked]) => {
          const check = checked.rows[0] as OpeningCheck;
          if (!check.accepting_accounts) return { retryAfterMs: SWITCH_RETRY_MS };
          if (check.version !== null && check.version > this.router.control.version) {
            void this.router.refresh().catch(() => undefined);
            return { retryAfterMs: 0 };
          }
          if (check.moved_to !== null || check.arriving) return { row: null };
          return { row: await insertAccount(manager, id, balance) };
        },
      );
      if ('row' in outcome) {
        if (outcome.row === null) {
          throw new TccError(ErrorCode.AlreadyExists, `Account ${id} already exists.`);
        }
        return { ...outcome.row, shard };
      }
      await sleep(outcome.retryAfterMs);
    }
    throw new TccError(
      ErrorCode.Unavailable,
      `The ring is being switched; open account ${id} again.`,
    );
  }

  /** The account and the shard that holds it now; 404 when there is none. */
  async get(id: string): Promise<AccountView> {
    for (let look = 0; look < MAX_LOOKS; look++) {
      const dataSource = await this.router.dataSourceFor(id);
      const shard = this.router.shardFor(id);
      const statement = findAccountStatement(id);
      const { rows } = await runSql<FoundAccount>(
        dataSource.manager,
        statement.sql,
        statement.params,
      );
      const verdict = this.router.whereabouts(id, rows[0]);
      if (verdict.kind === 'here') {
        const row = foundAccount(rows[0]);
        if (row === null) throw new TccError(ErrorCode.NotFound, `No account ${id}.`);
        return { ...row, shard };
      }
      await sleep(verdict.retryAfterMs);
    }
    throw new TccError(ErrorCode.Unavailable, `Account ${id} is moving; ask again.`);
  }
}
