import { ConfigError, intVar, listenHostVar, logLevelVar, parseHttpUrl, rateLimitVar } from './env';

describe('config', () => {
  it('reads integers within range and names the variable otherwise', () => {
    expect(intVar({ X: '42' }, 'X', 1, 0, 100)).toBe(42);
    expect(intVar({}, 'X', 7, 0, 100)).toBe(7);
    expect(() => intVar({ X: '4.2' }, 'X', 1, 0, 100)).toThrow(/X must be an integer/);
    expect(() => intVar({ X: '101' }, 'X', 1, 0, 100)).toThrow(ConfigError);
  });

  it('reads LOG_LEVEL, info by default, and names the accepted levels otherwise', () => {
    expect(logLevelVar({})).toBe('info');
    expect(logLevelVar({ LOG_LEVEL: ' WARN ' })).toBe('warn');
    expect(logLevelVar({ LOG_LEVEL: 'silent' })).toBe('silent');
    expect(() => logLevelVar({ LOG_LEVEL: 'verbose' })).toThrow(
      /LOG_LEVEL must be one of fatal, error/,
    );
  });

  it('rejects URLs with credentials or other schemes', () => {
    expect(parseHttpUrl('http://127.0.0.1:3001/', 'U')).toBe('http://127.0.0.1:3001');
    expect(() => parseHttpUrl('http://u:p@host', 'U')).toThrow(/credentials/);
    expect(() => parseHttpUrl('ftp://host', 'U')).toThrow(/http/);
    const secretPath = 'hooks.example/services/T0/B0/s3cr3t';
    for (const raw of [`htps://${secretPath}`, `https//${secretPath}`]) {
      expect(() => parseHttpUrl(raw, 'U')).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('s3cr3t') }),
      );
    }
  });

  it('reads TCC_RATE_LIMIT_PER_MINUTE: off by default, 600,000 in production, 0 turns it off', () => {
    expect(rateLimitVar({})).toBe(0);
    expect(rateLimitVar({ NODE_ENV: 'production' })).toBe(600_000);
    expect(rateLimitVar({ NODE_ENV: 'production', TCC_RATE_LIMIT_PER_MINUTE: '0' })).toBe(0);
    expect(rateLimitVar({ TCC_RATE_LIMIT_PER_MINUTE: '120' })).toBe(120);
    expect(() => rateLimitVar({ TCC_RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(
      /TCC_RATE_LIMIT_PER_MINUTE/,
    );
  });

  describe('listenHostVar', () => {
    it('listens on loopback only with the development secrets, on every interface in production', () => {
      expect(listenHostVar({})).toBe('127.0.0.1');
      expect(listenHostVar({ NODE_ENV: 'production' })).toBe('0.0.0.0');
    });

    it('takes HOST when it is an IP address, and names HOST otherwise', () => {
      expect(listenHostVar({ HOST: '0.0.0.0' })).toBe('0.0.0.0');
      expect(listenHostVar({ HOST: '::1', NODE_ENV: 'production' })).toBe('::1');
      expect(() => listenHostVar({ HOST: 'example.com' })).toThrow(
        'Invalid configuration: HOST must be an IP address, got "example.com"',
      );
    });
  });
});
