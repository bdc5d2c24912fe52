// Every way `npm start` can be asked to stop ends in one call of `stop`:
// SIGINT, SIGTERM or SIGHUP to this process (npm forwards SIGINT and SIGTERM
// to the script it runs, which package.json makes this process with `exec`),
// and the death of the parent that started it (npm killed with SIGKILL),
// after which nobody would ever send a signal again.
const PARENT_CHECK_MS = 500;

/** Calls `stop(reason)` on each stop request; repeated requests are the caller's to join. */
function onStopRequest(stop) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => stop(signal));
  }
  const parent = process.ppid;
  setInterval(() => {
    // Orphaned processes are adopted by init or a subreaper: a new parent means the old one is gone.
    if (process.ppid !== parent) stop('its parent process exited');
  }, PARENT_CHECK_MS).unref();
}

module.exports = { onStopRequest };
