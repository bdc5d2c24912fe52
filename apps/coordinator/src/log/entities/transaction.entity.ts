import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TransactionStatus } from '@app/protocol';

/** One global transaction of the log (schema: `migrations/…-create-log.ts`). */
@Entity({ name: 'transactions' })
export class TransactionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') status: TransactionStatus;
  @Column('timestamptz') deadline: Date;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('text', { name: 'reason_code', nullable: true }) reasonCode: string | null;
  @Column('uuid', { name: 'failed_branch_id', nullable: true }) failedBranchId: string | null;
  @Column('boolean') stuck: boolean;
  @Column('boolean') resolved: boolean;
  @Column('integer') attempts: number;
  @Column('timestamptz', { name: 'next_attempt_at' }) nextAttemptAt: Date;
  @Column('text', { name: 'lease_owner', nullable: true }) leaseOwner: string | null;
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil: Date | null;
  @Column('boolean', { name: 'auto_commit' }) autoCommit: boolean;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotencyKey: string | null;
  @Column('text', { name: 'request_hash', nullable: true }) requestHash: string | null;
  @Column('integer', { name: 'branch_count' }) branchCount: number;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
