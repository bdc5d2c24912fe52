#!/usr/bin/env node
// @ts-check
'use strict';

// `tcc`: command line for the TCC coordinator. The logic lives in ./lib so it
// can be tested without spawning processes.
const { runCli } = require('./lib/main');

runCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(
      `tcc: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    // Not one of the documented codes: a bug in tcc must not read as a cancelled transaction.
    process.exitCode = 70;
  },
);
