#!/usr/bin/env node
/*
 * Fails when package-lock.json holds more than one version of any @backstage/* package: mixed
 * versions of core packages break backend plugins at startup (see shared/reference/portal-setup.md).
 * This is what the removed `backstage-cli versions:check` used to report.
 */
const fs = require('node:fs');
const path = require('node:path');

const lock = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package-lock.json'), 'utf8'));
const versions = new Map();
for (const [location, entry] of Object.entries(lock.packages ?? {})) {
  const match = /(?:^|\/)node_modules\/(@backstage\/[^/]+)$/.exec(location);
  if (!match || !entry.version) continue;
  if (!versions.has(match[1])) versions.set(match[1], new Set());
  versions.get(match[1]).add(entry.version);
}
const duplicates = [...versions].filter(([, set]) => set.size > 1);
if (duplicates.length) {
  for (const [name, set] of duplicates) console.error(`${name}: ${[...set].join(', ')}`);
  console.error(`error: ${duplicates.length} @backstage/* package(s) with more than one version`);
  process.exit(1);
}
console.log(`@backstage/* packages: ${versions.size}, one version each`);
