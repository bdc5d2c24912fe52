import { parseCommandLine, parseInteger, resolveConnection, usageLine } from './args';
import { UsageError } from './errors';

function run(argv: string[]) {
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== 'run') throw new Error(`expected a command, got help`);
  return parsed;
}

function usageErrorOf(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('names the positionals of a command', () => {
    expect(run(['transfer', 'alice', 'bob', '500'])).toMatchObject({
      command: 'transfer',
      args: { from: 'alice', to: 'bob', amount: '500' },
      global: { json: false },
    });
  });

  it('accepts global options anywhere, including before the command', () => {
    const parsed = run([
      '--url',
      'http://127.0.0.1:4000',
      'status',
      'tx-1',
      '--json',
      '--admin-token=t',
    ]);
    expect(parsed.command).toBe('status');
    expect(parsed.args).toEqual({ id: 'tx-1' });
    expect(parsed.global).toEqual({
      url: 'http://127.0.0.1:4000',
      apiKey: undefined,
      adminToken: 't',
      json: true,
    });
  });

  it('collects command options and leaves unknown ones out', () => {
    const parsed = run(['list', '--stuck', '--status', 'CONFIRMING', '--limit', '10']);
    expect(parsed.options).toEqual({
      stuck: true,
      status: 'CONFIRMING',
      participant: undefined,
      limit: '10',
      cursor: undefined,
    });
  });

  it('takes a value that starts with a dash after --', () => {
    expect(run(['status', '--', '-odd-id']).args).toEqual({ id: '-odd-id' });
  });

  it('answers help for tcc, for a command, and for "help <command>"', () => {
    const main = parseCommandLine(['--help']);
    expect(main.kind).toBe('help');
    expect(main.kind === 'help' && main.text).toContain('transfer <from> <to> <amount>');
    const buy = parseCommandLine(['buy', '--help']);
    expect(buy.kind === 'help' && buy.text).toContain('--price N');
    const resolve = parseCommandLine(['help', 'resolve']);
    expect(resolve.kind === 'help' && resolve.text).toContain('Usage: tcc resolve');
    // --help wins over missing arguments, so a person can always ask.
    expect(parseCommandLine(['transfer', '-h']).kind).toBe('help');
  });

  it('refuses what it cannot run, naming the command for its usage line', () => {
    expect(usageErrorOf([]).message).toBe('a command is required');
    expect(usageErrorOf(['frobnicate']).message).toBe('unknown command "frobnicate"');
    expect(usageErrorOf(['transfer', 'a', 'b'])).toMatchObject({
      message: 'missing <amount>',
      command: 'transfer',
    });
    expect(usageErrorOf(['status', 'a', 'b']).message).toBe('unexpected argument "b"');
    expect(usageErrorOf(['status', ' ']).message).toBe('<id> must not be empty');
    expect(usageErrorOf(['list', '--bogus']).message).toMatch(/bogus/);
    expect(usageErrorOf(['status', 'x', '--stuck']).command).toBe('status');
    expect(usageErrorOf(['list', '--limit']).message).toBe('--limit needs a value');
  });

  it('says in one line which option it refuses and why', () => {
    expect(usageErrorOf(['list', '--bogus']).message).toBe(
      'unknown option "--bogus" ("tcc list --help" lists the options)',
    );
    expect(usageErrorOf(['status', 'x', '-x']).message).toBe(
      'unknown option "-x" ("tcc status --help" lists the options)',
    );
    expect(usageErrorOf(['list', '--json=yes']).message).toBe('--json takes no value');
    expect(usageErrorOf(['transfer', 'a', 'b', '1', '--timeout', '--json']).message).toBe(
      '--timeout needs a value; for one that starts with "-", write --timeout=--json',
    );
  });

  it('reads a negative number as a value, for the command to refuse with its range', () => {
    expect(run(['transfer', 'alice', 'bob', '-5']).args).toEqual({
      from: 'alice',
      to: 'bob',
      amount: '-5',
    });
    expect(run(['transfer', '-1', 'bob', '5', '--json']).args.from).toBe('-1');
    expect(run(['transfer', 'a', 'b', '5', '--timeout', '-5']).options.timeout).toBe('-5');
    expect(run(['list', '--limit=-2']).options.limit).toBe('-2');
  });
});

describe('parseInteger', () => {
  it('reads whole numbers within the bounds', () => {
    expect(parseInteger('42', 'n', undefined)).toBe(42);
    expect(parseInteger('9007199254740991', 'n', undefined)).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseInteger('0', 'n', undefined, { min: 0 })).toBe(0);
  });

  it.each(['0', '-1', '1.5', '1e3', 'ten', '', '9007199254740992'])('refuses %p', (text) => {
    expect(() => parseInteger(text, '<amount>', 'transfer')).toThrow(UsageError);
  });

  it('says what is allowed', () => {
    expect(() => parseInteger('101', '--limit', 'list', { min: 1, max: 100 })).toThrow(
      '--limit must be an integer from 1 to 100, got "101"',
    );
    expect(() => parseInteger('-5', '<amount>', 'transfer')).toThrow(
      '<amount> must be a positive integer (1 to 9007199254740991), got "-5"',
    );
    expect(() => parseInteger('99', '--timeout', 'transfer', { min: 100 })).toThrow(
      '--timeout must be an integer of at least 100, got "99"',
    );
  });
});

describe('resolveConnection', () => {
  const noOptions = { json: false };

  it('prefers options, then TCC_ variables, then COORDINATOR_URL, then defaults', () => {
    expect(resolveConnection(noOptions, {})).toEqual({
      baseUrl: 'http://127.0.0.1:3000',
      apiKey: 'dev-api-key',
      adminToken: 'dev-admin-token',
    });
    expect(resolveConnection(noOptions, { COORDINATOR_URL: 'http://c:1' }).baseUrl).toBe(
      'http://c:1',
    );
    const env = {
      TCC_COORDINATOR_URL: 'https://tcc.example/base/',
      COORDINATOR_URL: 'http://ignored',
      TCC_API_KEY: 'key',
      TCC_ADMIN_TOKEN: 'admin',
    };
    expect(resolveConnection(noOptions, env)).toEqual({
      baseUrl: 'https://tcc.example/base',
      apiKey: 'key',
      adminToken: 'admin',
    });
    expect(
      resolveConnection({ json: false, url: 'http://o:9', apiKey: 'k2', adminToken: 'a2' }, env),
    ).toEqual({ baseUrl: 'http://o:9', apiKey: 'k2', adminToken: 'a2' });
  });

  it('uses the admin token for client calls when no API key is set', () => {
    expect(resolveConnection(noOptions, { TCC_ADMIN_TOKEN: 'admin' }).apiKey).toBe('admin');
  });

  it('treats empty variables as unset', () => {
    expect(resolveConnection(noOptions, { TCC_COORDINATOR_URL: '', TCC_API_KEY: '' })).toEqual({
      baseUrl: 'http://127.0.0.1:3000',
      apiKey: 'dev-api-key',
      adminToken: 'dev-admin-token',
    });
  });

  it.each(['not a url', 'ftp://host', 'http://user:pw@host'])('refuses the URL %p', (url) => {
    expect(() => resolveConnection({ json: false, url }, {})).toThrow(UsageError);
  });
});

describe('usageLine', () => {
  it('shows the command usage, or the general one', () => {
    expect(usageLine('retry')).toBe('Usage: tcc retry <id>');
    expect(usageLine(undefined)).toMatch(/tcc --help/);
    expect(usageLine('toString')).toMatch(/tcc --help/);
  });
});
