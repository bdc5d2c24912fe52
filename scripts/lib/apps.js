// The apps of the system, in start order: the one list the build, `npm start`,
// the tests and the benchmark read. nest-cli.json and docker/compose.yaml
// cannot import it; scripts/lib/apps.spec.ts checks that they agree with it.
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

const APPS = Object.freeze(
  [
    {
      name: 'coordinator',
      defaultPort: 3000,
      portVariable: 'COORDINATOR_PORT',
      databaseVariable: 'DATABASE_URL',
      databases: ['tcc_coordinator'],
      participant: false,
    },
    {
      name: 'inventory',
      defaultPort: 3001,
      portVariable: 'INVENTORY_PORT',
      databaseVariable: 'DATABASE_URL',
      databases: ['tcc_inventory'],
      participant: true,
    },
    {
      name: 'account',
      defaultPort: 3002,
      portVariable: 'ACCOUNT_PORT',
      databaseVariable: 'ACCOUNT_SHARD_URLS',
      databases: ['tcc_account_0', 'tcc_account_1'],
      participant: true,
    },
  ].map((app) => Object.freeze({ ...app, databases: Object.freeze(app.databases) })),
);

/** The manifest entry of the app called `name`. */
function appByName(name) {
  const app = APPS.find((candidate) => candidate.name === name);
  if (!app)
    throw new Error(`No app called "${name}"; the apps are ${APPS.map((a) => a.name).join(', ')}`);
  return app;
}

/** The built entry point of an app: `<buildDir>/apps/<name>/main.js`. */
function entryPoint(name, buildDir = path.join(ROOT, 'dist')) {
  return path.join(buildDir, 'apps', name, 'main.js');
}

/**
 * The value of the app's database variable given one URL per database of
 * the manifest, in order: a plain URL, or the account's named shard list.
 */
function databaseSetting(app, urls) {
  if (urls.length !== app.databases.length) {
    throw new Error(
      `${app.name} needs ${app.databases.length} database URL(s), got ${urls.length}`,
    );
  }
  if (app.databaseVariable !== 'ACCOUNT_SHARD_URLS') return urls[0];
  return urls.map((url, index) => `shard-${index}=${url}`).join(',');
}

/**
 * Everything an app needs to find its peers and its data: its port, its
 * database variable and, for a participant, where the coordinator is and
 * the URL it is called back at.
 */
function appSettings(app, { port, databaseUrls, coordinatorUrl, publicHost = '127.0.0.1' }) {
  return {
    PORT: String(port),
    [app.databaseVariable]: databaseSetting(app, databaseUrls),
    ...(app.participant
      ? { COORDINATOR_URL: coordinatorUrl, PUBLIC_URL: `http://${publicHost}:${port}` }
      : {}),
  };
}

module.exports = { ROOT, APPS, appByName, entryPoint, databaseSetting, appSettings };
