#!/usr/bin/env node
/* eslint-disable */
// The published package ships dist/ only. In this repository (src/ present) the sources run
// through sucrase (a devDependency), since the workspace packages they import are sources too.
const path = require('node:path');
const fs = require('node:fs');
// exitCode, not exit(): exit() would cut off output still being written to a pipe.
const finish = code => {
  process.exitCode = code;
};
const sources = path.resolve(__dirname, '../src/index.ts');
if (fs.existsSync(sources)) {
  require('sucrase/register/ts');
  require(sources).main(process.argv.slice(2)).then(finish);
} else {
  require('../dist/index.cjs.js').main(process.argv.slice(2)).then(finish);
}
