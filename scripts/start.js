#!/usr/bin/env node
// `npm start`: the whole stack on one machine for a person trying it. Builds
// when dist/ is stale, starts an embedded PostgreSQL unless DATABASE_URL and
// ACCOUNT_SHARD_URLS point elsewhere, then the coordinator and the two
// participants, and stops all of it, apps first, on Ctrl-C.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { Client } = require('pg');
const { APPS, ROOT, appSettings, entryPoint } = require('./lib/apps');
const { buildIfStale } = require('./lib/build');
const { LaunchError, launch } = require('./lib/launch');

const PG_DIR = path.join(ROOT, '.data', 'pg');
const PG_LOG = path.join(ROOT, '.data', 'pg.log');
const STOP_GRACE_MS = 10_000;
const HEALTH_TIMEOUT_MS = 120_000;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const say = (line) => process.stdout.write(`${paint('1', 'start')}       | ${line}\n`);

function portVar(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new Error(`Invalid configuration: ${name} must be a port number, got "${raw}"`);
  }
  return Number(raw);
}

function portAnswers(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** Starts (or adopts a leftover) embedded PostgreSQL; resolves to `{ url(db), stop() }`. */
async function startEmbeddedPostgres(port) {
  const base = `postgres://postgres:postgres@127.0.0.1:${port}`;
  const url = (database) => `${base}/${database}`;
  if (await portAnswers(port)) {
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
          'Stop it with Ctrl-C in its terminal first.',
      );
    }
    say(
      `Reusing the embedded PostgreSQL left running by an earlier run (pid ${leftover.pid}); it stops with this run.`,
    );
    return {
      url,
      description: `${base} (embedded, adopted, data in .data/pg)`,
      async stop() {
        // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, data is flushed.
        if (isAlive(leftover.pid)) process.kill(leftover.pid, 'SIGINT');
        for (let waited = 0; isAlive(leftover.pid) && waited < 30_000; waited += 200)
          await sleep(200);
      },
    };
  }

  fs.mkdirSync(path.dirname(PG_DIR), { recursive: true });
  const fresh = !fs.existsSync(PG_DIR) || fs.readdirSync(PG_DIR).length === 0;
  say(
    fresh
      ? `Creating an embedded PostgreSQL in .data/pg on port ${port} (first run only; log in .data/pg.log)`
      : `Starting the embedded PostgreSQL in .data/pg on port ${port} (log in .data/pg.log)`,
  );
  const server = spawn(process.execPath, [path.join(__dirname, 'lib', 'pg-server.js')], {
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
  embeddedServer = server;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  await new Promise((resolve, reject) => {
    server.once('message', (message) => {
      if (message.type === 'ready') resolve();
      else
        reject(
          new Error(`Embedded PostgreSQL did not start: ${message.message} (see .data/pg.log)`),
        );
    });
    void exited.then((code) =>
      reject(new Error(`Embedded PostgreSQL exited with code ${code} (see .data/pg.log)`)),
    );
  });
  return {
    url,
    description: `${base} (embedded, data in .data/pg)`,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        server.send({ type: 'stop' });
        await exited;
      }
    },
  };
}

async function ensureDatabases(adminUrl, names) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE "${name}"`);
        say(`Created database ${name}`);
      }
    }
  } finally {
    await client.end();
  }
}

const APP_COLORS = { coordinator: '36', inventory: '35', account: '33' };
const LEVEL_COLORS = { fatal: '31', error: '31', warn: '33', info: '32', debug: '90', trace: '90' };
// Shown once in the rendered line itself (time, level, context, message) or the same for every line.
const HIDDEN_FIELDS = new Set([
  'level',
  'time',
  'app',
  'pid',
  'hostname',
  'context',
  'msg',
  'method',
  'path',
  'status',
]);

/**
 * The apps log JSON lines for machines; a person watching a terminal gets
 * `time LEVEL [context] message key=value…` instead. Piped output stays JSON.
 */
function render(line) {
  if (!color || !line.startsWith('{')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry.msg !== 'string' || typeof entry.level !== 'string') return line;
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const level = paint(LEVEL_COLORS[entry.level] ?? '0', entry.level.toUpperCase().padEnd(5));
  const context = entry.context ? `[${entry.context}] ` : '';
  const extras = Object.entries(entry)
    .filter(([key]) => !HIDDEN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${time} ${level} ${context}${entry.msg}${extras.length > 0 ? paint('90', `  ${extras.join(' ')}`) : ''}`;
}

/** One app as a child process, its output prefixed with its name; resolves once it is healthy. */
function startApp(name, env) {
  const prefix = paint(APP_COLORS[name], name.padEnd(11));
  const started = launch({
    name,
    entry: entryPoint(name),
    port: Number(env.PORT),
    // Without a terminal the prefixed lines go to a file or a pipe, where colour codes are noise.
    env: { ...process.env, ...(color ? {} : { NO_COLOR: '1' }), ...env },
    onLine: (line) => process.stdout.write(`${prefix} | ${render(line)}\n`),
    healthTimeoutMs: HEALTH_TIMEOUT_MS,
    stopGraceMs: STOP_GRACE_MS,
  });
  return started.then((app) => {
    apps.push(app);
    return app;
  });
}

/** Development defaults, read from the built config library so this script never disagrees with the apps. */
function devSecrets() {
  const env = path.join(ROOT, 'dist', 'apps', 'coordinator', 'libs', 'config', 'src', 'env.js');
  return require(env).DEV_SECRETS;
}

const apps = [];
let database = null;
let embeddedServer = null;
let stopping = null;

function stopEverything(code) {
  stopping ??= (async () => {
    if (apps.length > 0) {
      say('Stopping the apps…');
      await Promise.all(apps.map((app) => app.stop()));
    }
    if (database) {
      say('Stopping PostgreSQL…');
      await database.stop();
    }
    if (apps.length > 0 || database) say('Stopped.');
    process.exit(code);
  })();
  return stopping;
}

// Last resort when this script dies unexpectedly (the launcher does the same for the apps).
process.on('exit', () => {
  if (embeddedServer && embeddedServer.exitCode === null) embeddedServer.kill('SIGTERM');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // npm forwards the terminal's Ctrl-C as well, so a repeated signal just joins the shutdown under way.
  process.on(signal, () => void stopEverything(0));
}

function banner(ports, secrets, description) {
  const coordinator = `http://127.0.0.1:${ports.coordinator}`;
  const lines = [
    '',
    paint('1;32', 'TCC Coordinator is running.'),
    `  coordinator  ${coordinator}   (OpenAPI at ${coordinator}/docs, metrics at /metrics)`,
    `  inventory    http://127.0.0.1:${ports.inventory}`,
    `  account      http://127.0.0.1:${ports.account}`,
    `  admin UI     ${coordinator}/admin   (sign in with the admin token)`,
    `  PostgreSQL   ${description}`,
    '',
    `  API key      ${secrets.apiKey}${secrets.apiKeyDefault ? '   (development default)' : ''}`,
    `  admin token  ${secrets.adminToken}${secrets.adminTokenDefault ? '   (development default)' : ''}`,
    '',
    'Try it (create an account, then credit it through a transaction):',
    `  curl -s -X PUT http://127.0.0.1:${ports.account}/accounts/carol -H 'Authorization: Bearer ${secrets.adminToken}' -H 'Content-Type: application/json' -d '{"balance":10000}'`,
    `  curl -s ${coordinator}/v1/transactions -H 'Authorization: Bearer ${secrets.apiKey}' -H 'Content-Type: application/json' -d '{"branches":[{"participant":"account","action":"credit","payload":{"accountId":"carol","amount":500}}]}'`,
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function main() {
  const ports = Object.fromEntries(
    APPS.map((app) => [app.name, portVar(app.portVariable, app.defaultPort)]),
  );
  const pgPort = portVar('TCC_EMBEDDED_PG_PORT', 54329);

  // A leftover app would answer the health check in place of the new one; better to say so now.
  for (const app of APPS) {
    if (await portAnswers(ports[app.name])) {
      throw new Error(
        `Port ${ports[app.name]} (${app.name}) is already in use: another npm start, or an app left running by an earlier one? ` +
          `Stop it, or choose another port with ${app.portVariable}=<port>.`,
      );
    }
  }

  const buildStarted = Date.now();
  if (buildIfStale(say)) say(`Built in ${Math.round((Date.now() - buildStarted) / 1000)} s.`);

  // An app whose database variable is set uses it; the others get databases on the embedded server.
  const embeddedApps = APPS.filter((app) => !process.env[app.databaseVariable]);
  let description = 'from DATABASE_URL and ACCOUNT_SHARD_URLS';
  if (embeddedApps.length > 0) {
    database = await startEmbeddedPostgres(pgPort);
    description = database.description;
    await ensureDatabases(
      database.url('postgres'),
      embeddedApps.flatMap((app) => app.databases),
    );
  }

  const coordinatorUrl = `http://127.0.0.1:${ports.coordinator}`;
  const settingsOf = (app) => {
    const settings = appSettings(app, {
      port: ports[app.name],
      databaseUrls: app.databases.map((name) => (database ? database.url(name) : '')),
      coordinatorUrl,
    });
    if (process.env[app.databaseVariable]) delete settings[app.databaseVariable];
    return settings;
  };
  const [first, ...participants] = APPS;
  await startApp(first.name, settingsOf(first));
  await Promise.all(participants.map((app) => startApp(app.name, settingsOf(app))));

  const defaults = devSecrets();
  banner(
    ports,
    {
      apiKey: process.env.TCC_API_KEY || defaults.TCC_API_KEY,
      adminToken: process.env.TCC_ADMIN_TOKEN || defaults.TCC_ADMIN_TOKEN,
      apiKeyDefault: !process.env.TCC_API_KEY,
      adminTokenDefault: !process.env.TCC_ADMIN_TOKEN,
    },
    description,
  );

  // From here on an app that dies takes the stack down: a half-running system would only confuse.
  for (const app of apps) {
    void app.exited().then((status) => {
      if (stopping) return;
      say(`${app.name} exited unexpectedly (${status}); stopping everything.`);
      void stopEverything(1);
    });
  }
}

main().catch(async (error) => {
  if (stopping) return;
  if (error instanceof LaunchError) {
    say(paint('31', `${error.message}. Its last log lines:`));
    for (const line of error.tail) process.stdout.write(`    ${render(line)}\n`);
  } else {
    say(paint('31', error instanceof Error ? error.message : String(error)));
  }
  await stopEverything(1);
});
