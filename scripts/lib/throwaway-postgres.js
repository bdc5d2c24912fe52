// A PostgreSQL for one run of the tests or the benchmark on a machine that
// has none: a new temporary directory, a free port, removed on stop. Built
// on the same runner as `npm start` (postgres-cluster.js), so it works as
// root from a private checkout and leaves no password file behind.
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { initialise, placeCluster, startServer } = require('./postgres-cluster');

const CREDENTIALS = { user: 'postgres', password: 'postgres' };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server in `<tmpdir>/<dirPrefix>-<random>` on a free port with
 * `flags` passed to postgres; resolves to `{ adminUrl, port, stop() }`,
 * where `stop()` stops it and deletes the directory.
 */
async function startThrowawayPostgres(dirPrefix, flags = []) {
  const port = await freePort();
  const output = [];
  const onLog = (text) => output.push(text);
  const cluster = placeCluster(
    path.join(os.tmpdir(), `${dirPrefix}-${crypto.randomBytes(4).toString('hex')}`),
  );
  let server = null;
  const stop = async () => {
    await server?.stop();
    fs.rmSync(cluster.dataDir, { recursive: true, force: true });
  };
  try {
    await initialise(cluster, CREDENTIALS, onLog);
    server = await startServer(cluster, port, flags, onLog);
  } catch (error) {
    await stop();
    throw new Error(
      `embedded PostgreSQL did not start: ${error.message}\n${output.join('').split('\n').slice(-20).join('\n')}`,
    );
  }
  return {
    adminUrl: `postgres://${CREDENTIALS.user}:${CREDENTIALS.password}@127.0.0.1:${port}/postgres`,
    port,
    stop,
  };
}

module.exports = { startThrowawayPostgres };
