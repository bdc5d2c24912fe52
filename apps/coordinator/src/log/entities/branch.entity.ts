import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BranchStatus } from '@app/protocol';

/** One branch (participant + action + payload) of a transaction. */
@Entity({ name: 'branches' })
export class BranchEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'transaction_id' }) transactionId: string;
  @Column('integer') position: number;
  @Column('text') participant: string;
  @Column('text') action: string;
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('text') status: BranchStatus;
  @Column('integer') attempts: number;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @Column('text', { name: 'idempotency_key', nullable: true }) idempotencyKey: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
