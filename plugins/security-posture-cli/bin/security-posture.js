#!/usr/bin/env node
/* eslint-disable */
// Runs the TypeScript sources directly (in this repo and when installed from source); a
// published build would point at dist instead.
const path = require('node:path');
const fs = require('node:fs');
const dist = path.resolve(__dirname, '../dist/index.cjs.js');
// exitCode, not exit(): exit() would cut off output still being written to a pipe.
const finish = code => {
  process.exitCode = code;
};
if (fs.existsSync(dist)) {
  require(dist).main(process.argv.slice(2)).then(finish);
} else {
  require('sucrase/register/ts');
  require('../src/index.ts').main(process.argv.slice(2)).then(finish);
}
