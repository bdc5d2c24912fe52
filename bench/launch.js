#!/usr/bin/env node
// npm run bench -- [options]   (npm run bench -- --help lists them)
// Builds the apps when dist/ is stale, compiles the benchmark (bench/src,
// with `nest build`, which rewrites the @app/* imports) when it is stale,
// then runs it with the arguments given.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { ROOT, buildIfStale } = require('../scripts/lib/build');

const ENTRY = path.join(ROOT, 'dist', 'bench', 'bench', 'src', 'main.js');
const SOURCES = [path.join(ROOT, 'bench', 'src'), path.join(ROOT, 'libs')];
const say = (line) => process.stderr.write(`${line}\n`);

function newestMtime(file) {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(file)
    .reduce((newest, name) => Math.max(newest, newestMtime(path.join(file, name))), 0);
}

function buildBenchIfStale() {
  const built = fs.existsSync(ENTRY) ? fs.statSync(ENTRY).mtimeMs : 0;
  if (built > Math.max(...SOURCES.map(newestMtime))) return;
  say('Building the benchmark: nest build bench -c bench/nest-cli.json');
  const nest = path.join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
  const result = spawnSync(
    process.execPath,
    [nest, 'build', 'bench', '-c', 'bench/nest-cli.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const args = process.argv.slice(2);
// A run measuring another build (--build-dir) has no reason to rebuild this one.
if (!args.some((arg) => arg === '--build-dir' || arg.startsWith('--build-dir='))) buildIfStale(say);
buildBenchIfStale();
const run = spawn(process.execPath, [ENTRY, ...args], { cwd: ROOT, stdio: 'inherit' });
// Ctrl-C reaches the benchmark too; it stops the apps and drops its databases before exiting.
process.on('SIGINT', () => undefined);
run.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
