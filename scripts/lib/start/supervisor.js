// The processes of `npm start` and the one way they stop: the apps first
// (they finish their requests and close their connections), then PostgreSQL.
const { entryPoint } = require('../apps');
const { launch } = require('../launch');
const { appPrinter, color } = require('./terminal');

const STOP_GRACE_MS = 10_000;
// Generous: the first start after a build compiles nothing, but a loaded machine may still be slow.
const HEALTH_TIMEOUT_MS = 120_000;

class Supervisor {
  /** `say` reports what the supervisor does. */
  constructor(say) {
    this.say = say;
    this.apps = [];
    this.database = null;
    this.stopping = null;
  }

  /** The embedded PostgreSQL, stopped after the apps. */
  adoptDatabase(database) {
    this.database = database;
  }

  /**
   * Starts one app with the environment of this process plus `settings`;
   * resolves once it answers healthy at `host` (as written in a URL).
   */
  async startApp(name, settings, host) {
    const app = await launch({
      name,
      entry: entryPoint(name),
      host,
      port: Number(settings.PORT),
      // Without a terminal the prefixed lines go to a file or a pipe, where colour codes are noise.
      env: { ...process.env, ...(color ? {} : { NO_COLOR: '1' }), ...settings },
      onLine: appPrinter(name, this.apps.length),
      healthTimeoutMs: HEALTH_TIMEOUT_MS,
      stopGraceMs: STOP_GRACE_MS,
    });
    this.apps.push(app);
    return app;
  }

  /** From now on a process that dies takes everything down: a half-running system would only confuse. */
  stopWhenAnyExits() {
    for (const app of this.apps) {
      void app.exited().then((status) => this.unexpectedExit(app.name, status));
    }
    void this.database?.exited?.then((status) => this.unexpectedExit('PostgreSQL', status));
  }

  unexpectedExit(name, status) {
    if (this.stopping) return;
    this.say(`${name} exited unexpectedly (${status}); stopping everything.`);
    void this.stop(1);
  }

  /** Stops the apps, then PostgreSQL, then exits with `code`; later calls join the first. */
  stop(code) {
    this.stopping ??= (async () => {
      if (this.apps.length > 0) {
        this.say('Stopping the apps…');
        await Promise.all(this.apps.map((app) => app.stop()));
      }
      if (this.database) {
        this.say('Stopping PostgreSQL…');
        await this.database.stop();
      }
      if (this.apps.length > 0 || this.database) this.say('Stopped.');
      process.exit(code);
    })();
    return this.stopping;
  }
}

module.exports = { Supervisor };
