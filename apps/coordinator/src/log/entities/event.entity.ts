import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of a transaction's timeline, written together with the change it describes. */
@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column('uuid', { name: 'transaction_id' }) transactionId: string;
  @Column('timestamptz') at: Date;
  @Column('text') type: string;
  @Column('uuid', { name: 'branch_id', nullable: true }) branchId: string | null;
  @Column('jsonb', { nullable: true }) detail: Record<string, unknown> | null;
}
