import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { BranchRequest, ErrorCode, ParticipantView, TccError } from '@app/protocol';
import { ParticipantRecord, ParticipantsRepository } from '../log/participants.repository';
import { RegisterParticipantDto } from './dto/register-participant.dto';

function toView(record: ParticipantRecord): ParticipantView {
  return {
    name: record.name,
    baseUrl: record.baseUrl,
    actions: record.actions,
    lastSuccessAt: record.lastSuccessAt?.toISOString() ?? null,
    lastErrorAt: record.lastErrorAt?.toISOString() ?? null,
    lastError: record.lastError,
  };
}

/** Who may take part in transactions, and with which actions. */
@Injectable()
export class ParticipantRegistry {
  constructor(
    @InjectEntityManager() private readonly manager: EntityManager,
    private readonly participants: ParticipantsRepository,
  ) {}

  /** Registers a participant or updates its address and actions. */
  async register(dto: RegisterParticipantDto): Promise<ParticipantView> {
    const baseUrl = dto.baseUrl.replace(/\/+$/, '');
    return toView(
      await this.participants.upsertParticipant(this.manager, {
        ...dto,
        baseUrl,
        batch: dto.batch === true,
      }),
    );
  }

  /** Every registered participant. */
  async list(): Promise<{ items: ParticipantView[] }> {
    const records = await this.participants.listParticipants(this.manager);
    return { items: records.map(toView) };
  }

  /** Refuses, with 422 and nothing written, branches naming an unknown participant or action. */
  async assertKnown(branches: readonly BranchRequest[]): Promise<void> {
    if (branches.length === 0) return;
    const names = [...new Set(branches.map((branch) => branch.participant))];
    const known = new Map(
      (await this.participants.findParticipants(this.manager, names)).map((p) => [p.name, p]),
    );
    branches.forEach((branch, index) => {
      const participant = known.get(branch.participant);
      if (!participant) {
        throw new TccError(
          ErrorCode.UnknownParticipant,
          `branches[${index}]: no participant named "${branch.participant}" is registered.`,
        );
      }
      if (!participant.actions.includes(branch.action)) {
        throw new TccError(
          ErrorCode.UnknownAction,
          `branches[${index}]: participant "${branch.participant}" has no action "${branch.action}".`,
        );
      }
    });
  }
}
