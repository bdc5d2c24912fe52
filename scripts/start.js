#!/usr/bin/env node
// `npm start`: the whole stack on one machine for a person trying it. Builds
// when dist/ is stale, starts an embedded PostgreSQL for the apps whose
// database variable is unset, then the coordinator and the participants, and
// stops all of it, apps first, when asked to in any way (lib/start/signals.js).
const path = require('node:path');
const { APPS, ROOT, appSettings } = require('./lib/apps');
const { buildIfStale } = require('./lib/build');
const { LaunchError } = require('./lib/launch');
const { banner } = require('./lib/start/banner');
const { ensureDatabases } = require('./lib/start/databases');
const { startEmbeddedPostgres } = require('./lib/start/embedded-postgres');
const { appPorts, portVar } = require('./lib/start/ports');
const { onStopRequest } = require('./lib/start/signals');
const { Supervisor } = require('./lib/start/supervisor');
const { render, say, sayError } = require('./lib/start/terminal');

const DEFAULT_EMBEDDED_PG_PORT = 54329;

const supervisor = new Supervisor(say);
onStopRequest((reason) => {
  if (!supervisor.stopping) say(`Stopping (${reason}).`);
  void supervisor.stop(0);
});

/** The built config library, so this script reads defaults and HOST exactly as the apps do. */
function appConfig() {
  return require(
    path.join(ROOT, 'dist', 'apps', 'coordinator', 'libs', 'config', 'src', 'index.js'),
  );
}

/** How a client on this machine reaches an app listening on `host`, written as in a URL. */
function urlHost(host) {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function main() {
  const ports = await appPorts(APPS);
  const pgPort = portVar('TCC_EMBEDDED_PG_PORT', DEFAULT_EMBEDDED_PG_PORT);

  const buildStarted = Date.now();
  if (buildIfStale(say)) say(`Built in ${Math.round((Date.now() - buildStarted) / 1000)} s.`);
  const config = appConfig();
  const host = config.listenHostVar(process.env);

  // An app whose database variable is set uses it; the others get databases on the embedded server.
  const embeddedApps = APPS.filter((app) => !process.env[app.databaseVariable]);
  let database = null;
  if (embeddedApps.length > 0) {
    database = await startEmbeddedPostgres(pgPort, say);
    supervisor.adoptDatabase(database);
    const names = embeddedApps.flatMap((app) => app.databases);
    await ensureDatabases(database.url('postgres'), names, say);
  }

  const hostInUrl = urlHost(host);
  const urls = Object.fromEntries(
    APPS.map((app) => [app.name, `http://${hostInUrl}:${ports[app.name]}`]),
  );
  const settingsOf = (app) => {
    const settings = appSettings(app, {
      port: ports[app.name],
      databaseUrls: app.databases.map((name) => (database ? database.url(name) : '')),
      coordinatorUrl: urls.coordinator,
      publicHost: hostInUrl,
    });
    if (process.env[app.databaseVariable]) delete settings[app.databaseVariable];
    return { ...settings, HOST: host };
  };
  // The coordinator first: the participants register with it as they start.
  const [coordinator, ...participants] = APPS;
  await supervisor.startApp(coordinator.name, settingsOf(coordinator), hostInUrl);
  await Promise.all(
    participants.map((app) => supervisor.startApp(app.name, settingsOf(app), hostInUrl)),
  );

  const defaults = config.DEV_SECRETS;
  banner({
    urls,
    host,
    database: database?.description ?? 'from DATABASE_URL and ACCOUNT_SHARD_URLS',
    secrets: {
      apiKey: process.env.TCC_API_KEY || defaults.TCC_API_KEY,
      adminToken: process.env.TCC_ADMIN_TOKEN || defaults.TCC_ADMIN_TOKEN,
      apiKeyDefault: !process.env.TCC_API_KEY,
      adminTokenDefault: !process.env.TCC_ADMIN_TOKEN,
    },
  });
  supervisor.stopWhenAnyExits();
}

main().catch(async (error) => {
  if (supervisor.stopping) return;
  if (error instanceof LaunchError) {
    sayError(`${error.message}. Its last log lines:`);
    for (const line of error.tail) process.stdout.write(`    ${render(line)}\n`);
  } else {
    sayError(error instanceof Error ? error.message : String(error));
  }
  await supervisor.stop(1);
});
