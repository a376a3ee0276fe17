#!/usr/bin/env node
// The `import-jobs` command: the CLI runs from its TypeScript source through tsx, like the
// repository's other tools, so there is nothing to build first.
require('tsx/cjs');
const { runCli } = require('./import-jobs.ts');

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
  process.exitCode = code;
});
