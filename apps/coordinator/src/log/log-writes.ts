import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { GroupCommit, SqlResult, runSql } from '@app/database';
import { COORDINATOR_CONFIG, CoordinatorConfig } from '../config/coordinator-config';

/**
 * Where the log's hot writes go: inside a caller's transaction they run
 * there; on their own (the begin, the decisions, the ends, the lease
 * hand-backs of concurrent requests) they share group commits
 * (`TCC_GROUP_COMMIT`), so one round trip and one commit carry many
 * transactions' writes, each still committed before its caller goes on.
 */
@Injectable()
export class LogWrites {
  private readonly groups: GroupCommit | null;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(COORDINATOR_CONFIG) config: CoordinatorConfig,
  ) {
    this.groups = config.groupCommit
      ? // Two groups in flight: a group waiting on a row lock does not hold every other write back.
        new GroupCommit(dataSource, { maxGroups: 2, maxStatements: 64 })
      : null;
  }

  run<T>(manager: EntityManager, sql: string, params: readonly unknown[]): Promise<SqlResult<T>> {
    return manager.queryRunner || !this.groups
      ? runSql<T>(manager, sql, params)
      : this.groups.run<T>(sql, params);
  }
}
