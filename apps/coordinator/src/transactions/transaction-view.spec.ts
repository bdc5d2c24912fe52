import { TransactionStatus } from '@app/protocol';
import { httpStatusFor } from './transaction-view';

describe('httpStatusFor', () => {
  const of = (status: TransactionStatus, resolved = false) => ({ status, resolved });

  it('answers 200 once finished, 202 while phase 2 runs, 201 for an interactive transaction trying', () => {
    expect(httpStatusFor(of(TransactionStatus.Confirmed), true)).toBe(200);
    expect(httpStatusFor(of(TransactionStatus.Cancelled), false)).toBe(200);
    expect(httpStatusFor(of(TransactionStatus.Confirming), true)).toBe(202);
    expect(httpStatusFor(of(TransactionStatus.Cancelling), false)).toBe(202);
    expect(httpStatusFor(of(TransactionStatus.Trying), false)).toBe(201);
    expect(httpStatusFor(of(TransactionStatus.Trying), true)).toBe(202);
  });

  it('answers 200 for a transaction resolved by hand: nobody will finish its phase 2', () => {
    expect(httpStatusFor(of(TransactionStatus.Confirming, true), true)).toBe(200);
    expect(httpStatusFor(of(TransactionStatus.Cancelling, true), false)).toBe(200);
  });
});
