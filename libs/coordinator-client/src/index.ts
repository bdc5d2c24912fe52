export * from './client';
export {
  BranchStatus,
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
