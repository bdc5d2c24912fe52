export * from './client';
export {
  BranchStatus,
  DEADLINE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signCall,
  TransactionStatus,
  isFinalTransactionStatus,
  type BeginTransactionRequest,
  type BranchRequest,
  type BranchView,
  type EventView,
  type ParticipantView,
  type ProblemDetails,
  type RegisterParticipantRequest,
  type TransactionView,
} from '@app/protocol';
