import { Injectable } from '@nestjs/common';
import { ErrorCode, TccError } from '@app/protocol';
import { findAccount, insertAccount } from '../ledger/accounts.repository';
import { ShardRouter } from '../shards/shard-router';
import type { AccountView } from './account.dto';

/** Seeding and reading accounts, each on the shard the ring places it on. */
@Injectable()
export class AccountsService {
  constructor(private readonly router: ShardRouter) {}

  /** Creates an account with its opening balance; an existing id is a 409, never an overwrite. */
  async open(id: string, balance: number): Promise<AccountView> {
    const row = await insertAccount(this.router.dataSourceFor(id).manager, id, balance);
    if (row === null) {
      throw new TccError(409, ErrorCode.AlreadyExists, `Account ${id} already exists.`);
    }
    return { ...row, shard: this.router.shardFor(id) };
  }

  /** The account and its shard; 404 when there is none. */
  async get(id: string): Promise<AccountView> {
    const row = await findAccount(this.router.dataSourceFor(id).manager, id);
    if (row === null) throw new TccError(404, ErrorCode.NotFound, `No account ${id}.`);
    return { ...row, shard: this.router.shardFor(id) };
  }
}
