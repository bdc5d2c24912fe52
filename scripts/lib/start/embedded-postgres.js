// The embedded PostgreSQL of `npm start`: adopts a server an earlier run left
// behind, or runs scripts/lib/pg-server.js, which keeps the cluster in
// .data/pg, as a child in its own process group.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { ROOT } = require('../apps');
const { portAnswers } = require('./ports');

const PG_DIR = path.join(ROOT, '.data', 'pg');
const PG_LOG = path.join(ROOT, '.data', 'pg.log');
const ADOPTED_STOP_MS = 30_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * The PostgreSQL of a previous run that still serves .data/pg on `port`, with
 * whether an `npm start` is still supervising it (then it must not be touched).
 */
function leftoverServer(port) {
  const pidFile = path.join(PG_DIR, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (Number(lines[3]) !== port || !Number.isInteger(pid) || !isAlive(pid)) return null;
  let supervisor = '';
  try {
    const parent = execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], {
      encoding: 'utf8',
    }).trim();
    supervisor = execFileSync('ps', ['-o', 'args=', '-p', parent], { encoding: 'utf8' });
  } catch {
    // ps found no parent: the server was orphaned, which is exactly the leftover case.
  }
  return { pid, supervised: supervisor.includes('pg-server.js') };
}

async function adoptLeftover(port, base, say) {
  const leftover = leftoverServer(port);
  if (!leftover) {
    throw new Error(
      `Port ${port} is taken by a program that is not this project's embedded PostgreSQL (.data/pg). ` +
        'Free the port, choose another with TCC_EMBEDDED_PG_PORT=<port>, ' +
        'or set DATABASE_URL and ACCOUNT_SHARD_URLS to use your own PostgreSQL.',
    );
  }
  if (leftover.supervised) {
    throw new Error(
      `Another npm start is already running the embedded PostgreSQL on port ${port} (server pid ${leftover.pid}). ` +
        'Stop it first (Ctrl-C in its terminal).',
    );
  }
  say(
    `Reusing the embedded PostgreSQL left running by an earlier run (pid ${leftover.pid}); it stops with this run.`,
  );
  return {
    description: `${base} (embedded, adopted, data in .data/pg)`,
    async stop() {
      // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, data is flushed.
      if (isAlive(leftover.pid)) process.kill(leftover.pid, 'SIGINT');
      for (let waited = 0; isAlive(leftover.pid) && waited < ADOPTED_STOP_MS; waited += 200) {
        await sleep(200);
      }
    },
  };
}

async function startServerProcess(port, base, say) {
  fs.mkdirSync(path.dirname(PG_DIR), { recursive: true });
  const fresh = !fs.existsSync(PG_DIR) || fs.readdirSync(PG_DIR).length === 0;
  say(
    fresh
      ? `Creating an embedded PostgreSQL in .data/pg on port ${port} (first run only; log in .data/pg.log)`
      : `Starting the embedded PostgreSQL in .data/pg on port ${port} (log in .data/pg.log)`,
  );
  const server = spawn(process.execPath, [path.join(__dirname, '..', 'pg-server.js')], {
    cwd: ROOT,
    // Its own process group: Ctrl-C must not reach PostgreSQL before the apps have stopped.
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: {
      ...process.env,
      TCC_PG_DATA_DIR: PG_DIR,
      TCC_PG_PORT: String(port),
      TCC_PG_LOG_FILE: PG_LOG,
    },
  });
  const exited = new Promise((resolve) =>
    server.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const running = () => server.exitCode === null && server.signalCode === null;
  // Last resort when start.js exits without stopping it; the IPC channel closing stops it too.
  const killOnExit = () => {
    if (running()) server.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  const ready = await new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`Embedded PostgreSQL could not be started: ${error.message}`)),
    );
    server.once('message', (message) => {
      if (message.type === 'ready') resolve(message);
      else
        reject(
          new Error(`Embedded PostgreSQL did not start: ${message.message} (see .data/pg.log)`),
        );
    });
    void exited.then((status) =>
      reject(new Error(`Embedded PostgreSQL exited during start (${status}); see .data/pg.log`)),
    );
  });
  const where = ready.relocated ? `.data/pg, a link to ${ready.dataDir}` : '.data/pg';
  return {
    description: `${base} (embedded, data in ${where})`,
    exited,
    async stop() {
      if (running()) {
        server.send({ type: 'stop' });
        await exited;
      }
      process.off('exit', killOnExit);
    },
  };
}

/**
 * Starts (or adopts a leftover) embedded PostgreSQL on 127.0.0.1:`port`;
 * resolves to `{ url(database), description, stop() }`.
 */
async function startEmbeddedPostgres(port, say) {
  const base = `postgres://postgres:postgres@127.0.0.1:${port}`;
  const server = (await portAnswers(port))
    ? await adoptLeftover(port, base, say)
    : await startServerProcess(port, base, say);
  return { ...server, url: (database) => `${base}/${database}` };
}

module.exports = { startEmbeddedPostgres };
