#!/usr/bin/env node
// `npm run build`: `nest build` of every app of the manifest, then each app's
// contract entry point. With the tsc builder nest keeps the monorepo tree
// under the app's outDir (dist/apps/<app>/apps/<app>/src/main.js), so
// dist/apps/<app>/main.js is a one-line shim in front of it.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { APPS, ROOT, entryPoint } = require('./lib/apps');

const nest = path.join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
const names = APPS.map((app) => app.name);
const result = spawnSync(process.execPath, [nest, 'build', ...names], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);

for (const name of names) {
  const compiled = path.join(path.dirname(entryPoint(name)), 'apps', name, 'src', 'main.js');
  if (!fs.existsSync(compiled)) {
    process.stderr.write(`nest build produced no ${path.relative(ROOT, compiled)}\n`);
    process.exit(1);
  }
  fs.writeFileSync(entryPoint(name), `require('./apps/${name}/src/main');\n`);
}
