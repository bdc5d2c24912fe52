import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './log-availability';

function pgError(code: string, message = 'error'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it('sees a refused or dropped connection and a server shutting down or starting up', () => {
    expect(
      isDatabaseUnavailable(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(
      isDatabaseUnavailable(
        pgError('57P01', 'terminating connection due to administrator command'),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailable(pgError('57P03', 'the database system is starting up'))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(pgError('08006'))).toBe(true);
  });

  it('looks inside the error TypeORM wraps a driver error in', () => {
    const wrapped = new QueryFailedError('SELECT 1', [], pgError('57P01'));
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
  });

  it('leaves statement errors to the usual handling', () => {
    expect(isDatabaseUnavailable(pgError('23505', 'duplicate key value'))).toBe(false);
    expect(
      isDatabaseUnavailable(pgError('57014', 'canceling statement due to statement timeout')),
    ).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
