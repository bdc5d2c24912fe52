import { BranchEntity } from './branch.entity';
import { EventEntity } from './event.entity';
import { ParticipantEntity } from './participant.entity';
import { TransactionEntity } from './transaction.entity';

export { BranchEntity, EventEntity, ParticipantEntity, TransactionEntity };

/** Every entity of the coordinator's log. */
export const LOG_ENTITIES = [TransactionEntity, BranchEntity, EventEntity, ParticipantEntity];
