import { TransactionStatus } from '@app/protocol';
import { httpStatusFor } from './transaction-view';

describe('httpStatusFor', () => {
  it('answers 200 once finished, 202 while phase 2 runs, 201 for an interactive transaction trying', () => {
    expect(httpStatusFor(TransactionStatus.Confirmed, true)).toBe(200);
    expect(httpStatusFor(TransactionStatus.Cancelled, false)).toBe(200);
    expect(httpStatusFor(TransactionStatus.Confirming, true)).toBe(202);
    expect(httpStatusFor(TransactionStatus.Cancelling, false)).toBe(202);
    expect(httpStatusFor(TransactionStatus.Trying, false)).toBe(201);
    expect(httpStatusFor(TransactionStatus.Trying, true)).toBe(202);
  });
});
