// Runs the embedded PostgreSQL of `npm start` in its own process group, so a
// Ctrl-C in the terminal reaches only scripts/start.js: it stops the apps
// first and only then asks this process to stop the database, which lets the
// apps close their connections cleanly.
//
// Protocol over the IPC channel: sends {type:'ready', dataDir} or
// {type:'error', message}; stops on {type:'stop'} or when the parent goes away.
const fs = require('node:fs');
const { initialise, placeCluster, startServer } = require('./postgres-cluster');

const dataDir = process.env.TCC_PG_DATA_DIR;
const port = Number(process.env.TCC_PG_PORT);
const logFile = process.env.TCC_PG_LOG_FILE;
const CREDENTIALS = { user: 'postgres', password: 'postgres' };

const log = fs.createWriteStream(logFile, { flags: 'a', mode: 0o600 });
const write = (message) => log.write(String(message).endsWith('\n') ? message : `${message}\n`);

async function main() {
  const cluster = placeCluster(dataDir);
  if (cluster.relocated) {
    write(
      `the postgres user cannot reach ${dataDir}: binaries in ${cluster.binaries}, data in ${cluster.dataDir}`,
    );
  }
  // A second `npm start` reuses the cluster: initdb would refuse a non-empty directory anyway.
  if (!fs.existsSync(cluster.dataDir) || fs.readdirSync(cluster.dataDir).length === 0) {
    write(`initialising a new cluster in ${cluster.dataDir}`);
    try {
      await initialise(cluster, CREDENTIALS, write);
    } catch (error) {
      // The directory was empty before, so emptying it loses nothing and lets the next run retry.
      for (const entry of fs.readdirSync(cluster.dataDir)) {
        fs.rmSync(`${cluster.dataDir}/${entry}`, { recursive: true, force: true });
      }
      throw error;
    }
  }
  const server = await startServer(cluster, port, [], write);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    write('stopped');
    log.end(() => process.exit(0));
  };
  process.on('message', (message) => {
    if (message && message.type === 'stop') void stop();
  });
  // The parent died without asking (SIGKILL, crash): do not leave a server running.
  process.on('disconnect', () => void stop());
  // SIGTERM or SIGINT sent to this process alone (a service manager, a person): stop the same way.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => void stop());
  void server.exited.then((status) => {
    if (stopping) return;
    write(`[error] postgres exited unexpectedly (${status})`);
    log.end(() => process.exit(1));
  });
  process.send({ type: 'ready', dataDir: cluster.dataDir, relocated: cluster.relocated });
}

main().catch((error) => {
  write(`[error] ${error instanceof Error ? error.stack : String(error)}`);
  const message = error instanceof Error ? error.message : String(error);
  const done = () => log.end(() => process.exit(1));
  if (process.connected) process.send({ type: 'error', message }, done);
  else done();
});
