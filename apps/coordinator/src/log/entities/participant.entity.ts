import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A registered participant: where to call it and which actions it serves. */
@Entity({ name: 'participants' })
export class ParticipantEntity {
  @PrimaryColumn('text') name: string;
  @Column('text', { name: 'base_url' }) baseUrl: string;
  @Column('text', { array: true }) actions: string[];
  @Column('timestamptz', { name: 'last_success_at', nullable: true }) lastSuccessAt: Date | null;
  @Column('timestamptz', { name: 'last_error_at', nullable: true }) lastErrorAt: Date | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
