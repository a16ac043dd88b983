#!/usr/bin/env node
/*
 * Regenerates data/registry-snapshot.json: registry metadata (latest version, each version's
 * publish day, deprecations) of the packages this repository's portal uses, for the plugins
 * checks to fall back on when the registry cannot be reached.
 *
 * Packages: every @backstage/* package in the repository's package-lock.json, every package of
 * the demo fixture (dev/fixtures/plugins), and every package named in the bundled advisories.
 *
 * Usage (from the repository root): node plugins/security-posture-checks/data/scripts/update-registry-snapshot.js
 *   [--registry https://registry.npmjs.org]
 */
require('sucrase/register/ts');
const fs = require('node:fs');
const path = require('node:path');
const {
  metadataFromPackument,
  packumentUrl,
  snapshotEntryFromMetadata,
} = require('../../src/plugins/registry.ts');

const dataDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(dataDir, '..', '..', '..');
const registryArg = process.argv.indexOf('--registry');
const registry = registryArg > 0 ? process.argv[registryArg + 1] : 'https://registry.npmjs.org';

function lockfileNames(file, filter) {
  const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
  const names = new Set();
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (!key.includes('node_modules/') || entry.link) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (filter(name)) names.add(name);
  }
  return names;
}

async function main() {
  const names = new Set([
    ...lockfileNames(path.join(repoRoot, 'package-lock.json'), n => n.startsWith('@backstage/')),
    ...lockfileNames(
      path.join(repoRoot, 'dev/fixtures/plugins/app/package-lock.json'),
      n => n.startsWith('@backstage') || n.includes('backstage-plugin'),
    ),
  ]);
  const advisories = JSON.parse(
    fs.readFileSync(path.join(dataDir, 'backstage-advisories.json'), 'utf8'),
  );
  for (const advisory of advisories.advisories) {
    for (const affected of advisory.affected) names.add(affected.package);
  }

  const packages = {};
  const missing = [];
  const queue = [...names].sort();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const response = await fetch(packumentUrl(registry, name), {
          headers: { accept: 'application/json' },
        });
        if (response.status === 404) {
          missing.push(name);
          continue;
        }
        if (!response.ok) throw new Error(`${name}: registry answered ${response.status}`);
        packages[name] = snapshotEntryFromMetadata(
          metadataFromPackument(name, await response.json()),
        );
      }
    }),
  );

  const sorted = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)),
  );
  const snapshot = {
    about:
      'Registry metadata (latest, publish day of each version, deprecations) of the packages the demo portal uses, bundled for offline use. Regenerate with data/scripts/update-registry-snapshot.js.',
    generatedAt: new Date().toISOString(),
    registry,
    notInRegistry: missing.sort(),
    packages: sorted,
  };
  // One package per line: compact, and diffs stay readable.
  const lines = Object.entries(sorted).map(
    ([name, entry]) => `    ${JSON.stringify(name)}: ${JSON.stringify(entry)}`,
  );
  const head = JSON.stringify({ ...snapshot, packages: {} }, null, 2).replace(
    /"packages": \{\}\n\}$/,
    '',
  );
  fs.writeFileSync(
    path.join(dataDir, 'registry-snapshot.json'),
    `${head}"packages": {\n${lines.join(',\n')}\n  }\n}\n`,
  );
  console.log(
    `${Object.keys(sorted).length} packages written, ${missing.length} not in the registry`,
  );
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
