// The lines `npm start` prints once everything is healthy: where each app
// answers, how it is reachable, the tokens to use and a first request.
const { paint } = require('./terminal');

/**
 * `urls` by app name; `host` the address the apps listen on; `secrets` the
 * tokens and whether each is the development default.
 */
function banner({ urls, host, secrets, database }) {
  const coordinator = urls.coordinator;
  const everywhere = host === '0.0.0.0' || host === '::';
  const defaults = secrets.apiKeyDefault || secrets.adminTokenDefault;
  const reach = everywhere
    ? `Listening on every interface (HOST=${host}): other machines can reach the apps${defaults ? paint('33', ', and the development tokens below are public knowledge') : ''}.`
    : `Listening on ${host} only (HOST=0.0.0.0 makes the apps reachable from other machines).`;
  const names = Object.keys(urls);
  const lines = [
    '',
    paint('1;32', 'TCC Coordinator is running.'),
    `  coordinator  ${coordinator}   (OpenAPI at ${coordinator}/docs, metrics at /metrics)`,
    ...names
      .filter((name) => name !== 'coordinator')
      .map((name) => `  ${name.padEnd(12)} ${urls[name]}`),
    `  admin UI     ${coordinator}/admin   (sign in with the admin token)`,
    `  PostgreSQL   ${database}`,
    `  ${reach}`,
    '',
    `  API key      ${secrets.apiKey}${secrets.apiKeyDefault ? '   (development default)' : ''}`,
    `  admin token  ${secrets.adminToken}${secrets.adminTokenDefault ? '   (development default)' : ''}`,
    '',
    'Try it (create an account, then credit it through a transaction):',
    `  curl -s -X PUT ${urls.account}/accounts/carol -H 'Authorization: Bearer ${secrets.adminToken}' -H 'Content-Type: application/json' -d '{"balance":10000}'`,
    `  curl -s ${coordinator}/v1/transactions -H 'Authorization: Bearer ${secrets.apiKey}' -H 'Content-Type: application/json' -d '{"branches":[{"participant":"account","action":"credit","payload":{"accountId":"carol","amount":500}}]}'`,
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

module.exports = { banner };
