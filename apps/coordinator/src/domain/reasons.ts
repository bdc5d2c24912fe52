import { ErrorCode } from '@app/protocol';
import type { CallOutcome } from './call-outcome';
import type { BranchRecord, CancelReason } from './records';

/** Why a transaction was cancelled when its deadline passed before a decision. */
export const DEADLINE_REASON: CancelReason = {
  text: 'The deadline passed before the transaction was decided.',
  code: ErrorCode.DeadlinePassed,
  branchId: null,
};

/** Why a transaction was cancelled on a client's request. */
export const CLIENT_CANCEL_REASON: CancelReason = {
  text: 'Cancelled by the client.',
  code: null,
  branchId: null,
};

/** Why a transaction was cancelled by an operator. */
export const OPERATOR_CANCEL_REASON: CancelReason = {
  text: 'Cancelled by an operator.',
  code: null,
  branchId: null,
};

/**
 * The reason a failed try gives its transaction: names the branch (id,
 * participant, action) and carries the participant's own detail and code,
 * or TRY_OUTCOME_UNKNOWN when the participant did not answer usably.
 */
export function reasonForFailedTry(
  branch: Pick<BranchRecord, 'id' | 'participant' | 'action'>,
  outcome: Exclude<CallOutcome, { kind: 'ok' }>,
): CancelReason {
  const who = `Branch ${branch.id} (${branch.participant} ${branch.action})`;
  switch (outcome.kind) {
    case 'refused':
      return {
        text: `${who} refused the try: ${outcome.detail}`,
        code: outcome.code ?? ErrorCode.TryRefused,
        branchId: branch.id,
      };
    case 'unknown':
      return {
        text: `${who}: the outcome of the try is unknown (${outcome.error}).`,
        code: ErrorCode.TryOutcomeUnknown,
        branchId: branch.id,
      };
  }
}
