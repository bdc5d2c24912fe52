#!/usr/bin/env node
// `nest build` with the tsc builder keeps the monorepo tree under each app's
// outDir (dist/apps/<app>/apps/<app>/src/main.js); the contract entry point is
// dist/apps/<app>/main.js, so each gets a one-line shim.
const fs = require('node:fs');
const path = require('node:path');

for (const app of ['coordinator', 'inventory', 'account']) {
  const dir = path.join(__dirname, '..', 'dist', 'apps', app);
  if (!fs.existsSync(path.join(dir, 'apps', app, 'src', 'main.js'))) continue;
  fs.writeFileSync(path.join(dir, 'main.js'), `require('./apps/${app}/src/main');\n`);
}
