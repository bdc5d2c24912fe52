// The databases `npm start` gives the apps on its embedded server.
const { Client } = require('pg');

/** Creates each of `names` that does not exist yet; `report` hears about each one made. */
async function ensureDatabases(adminUrl, names, report) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        report(`Created database ${name}`);
      }
    }
  } finally {
    await client.end();
  }
}

module.exports = { ensureDatabases };
