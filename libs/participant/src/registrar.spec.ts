import { registrationDelay } from './registrar';

describe('registrationDelay', () => {
  it('doubles from 200 ms and stops growing at 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(registrationDelay)).toEqual([
      200, 400, 800, 1600, 3200, 5000, 5000, 5000,
    ]);
  });
});
