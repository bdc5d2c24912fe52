// The ports `npm start` uses, from the environment, and whether something answers on one.
const net = require('node:net');

/** `name` from the environment as a port number, `fallback` when unset; throws naming the variable. */
function portVar(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new Error(`Invalid configuration: ${name} must be a port number, got "${raw}"`);
  }
  return Number(raw);
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
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

/** Each app's port (its manifest variable, else its default); throws when one is already taken. */
async function appPorts(apps) {
  const ports = {};
  for (const app of apps) {
    const port = portVar(app.portVariable, app.defaultPort);
    // A leftover app would answer the health check in place of the new one; better to say so now.
    if (await portAnswers(port)) {
      throw new Error(
        `Port ${port} (${app.name}) is already in use: another npm start, or an app left running by an earlier one? ` +
          `Stop it, or choose another port with ${app.portVariable}=<port>.`,
      );
    }
    ports[app.name] = port;
  }
  return ports;
}

module.exports = { portVar, portAnswers, appPorts };
