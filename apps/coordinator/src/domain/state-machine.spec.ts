import { BranchStatus, TransactionStatus } from '@app/protocol';
import {
  canTransition,
  decidedStatus,
  decisionOf,
  finalStatus,
  flaggableStatuses,
  isPhaseTwo,
  owedBranchStatuses,
  settledBranchStatus,
} from './state-machine';

const ALL = Object.values(TransactionStatus);

describe('transaction state machine', () => {
  it('allows exactly TRYING→CONFIRMING→CONFIRMED and TRYING→CANCELLING→CANCELLED', () => {
    const allowed = ALL.flatMap((from) =>
      ALL.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'TRYING→CONFIRMING',
        'TRYING→CANCELLING',
        'CONFIRMING→CONFIRMED',
        'CANCELLING→CANCELLED',
      ].sort(),
    );
  });

  it('never turns a confirm decision into a cancel, nor the reverse', () => {
    expect(canTransition(TransactionStatus.Confirming, TransactionStatus.Cancelling)).toBe(false);
    expect(canTransition(TransactionStatus.Cancelling, TransactionStatus.Confirming)).toBe(false);
    expect(canTransition(TransactionStatus.Confirming, TransactionStatus.Cancelled)).toBe(false);
  });

  it('maps statuses to decisions and back', () => {
    expect(ALL.map(decisionOf)).toEqual([null, 'confirm', 'confirm', 'cancel', 'cancel']);
    expect(ALL.filter(isPhaseTwo)).toEqual([
      TransactionStatus.Confirming,
      TransactionStatus.Cancelling,
    ]);
    expect(decidedStatus('confirm')).toBe(TransactionStatus.Confirming);
    expect(decidedStatus('cancel')).toBe(TransactionStatus.Cancelling);
    expect(finalStatus('confirm')).toBe(TransactionStatus.Confirmed);
    expect(finalStatus('cancel')).toBe(TransactionStatus.Cancelled);
  });

  it('sets the stuck and resolved flags only on a decided transaction that has not finished', () => {
    for (const flag of ['stuck', 'resolved'] as const) {
      expect(flaggableStatuses(flag)).toEqual([
        TransactionStatus.Confirming,
        TransactionStatus.Cancelling,
      ]);
    }
    expect(flaggableStatuses('resolved')).not.toContain(TransactionStatus.Trying);
  });

  it('owes a cancel to PENDING and TRIED branches, a confirm to TRIED ones, nothing to TRY_FAILED', () => {
    expect(owedBranchStatuses('confirm')).toEqual([BranchStatus.Tried]);
    expect(owedBranchStatuses('cancel')).toEqual([BranchStatus.Pending, BranchStatus.Tried]);
    expect(owedBranchStatuses('cancel')).not.toContain(BranchStatus.TryFailed);
    expect(settledBranchStatus('confirm')).toBe(BranchStatus.Confirmed);
    expect(settledBranchStatus('cancel')).toBe(BranchStatus.Cancelled);
  });
});
