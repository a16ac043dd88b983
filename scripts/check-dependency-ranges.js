#!/usr/bin/env node
/*
 * Checks the dependency ranges of the publishable packages (plugins/*), which adopters install
 * into apps of any supported Backstage release:
 * - every `@backstage/*` dependency is a `^` range (or a union of `^` ranges) whose lowest version
 *   is the package's version in the oldest supported release (scripts/compat/releases/, lowest
 *   release) and which takes every version from there up to the demo's pinned one (root
 *   `overrides`) without a gap: one `^` per major, or per minor for 0.x, as Backstage publishes
 *   a breaking change of a 0.x package as a new minor. So an app on any release between the two
 *   resolves our packages to its own copies instead of installing duplicates.
 * - React, React DOM and the router are peer dependencies of the frontend plugin, never
 *   dependencies;
 * - our own packages depend on each other at the exact workspace version.
 * devDependencies stay exact: they only build and test this repository.
 *
 * `--write` rewrites the `@backstage/*` dependency ranges to what the check expects.
 */
const fs = require('node:fs');
const path = require('node:path');
const semver = require('semver');

const root = path.resolve(__dirname, '..');
const releasesDir = path.join(root, 'scripts/compat/releases');
const write = process.argv.includes('--write');

const readJson = file => JSON.parse(fs.readFileSync(file, 'utf8'));

function oldestRelease() {
  const releases = fs
    .readdirSync(releasesDir)
    .filter(f => f.endsWith('.json'))
    .map(f => f.replace(/\.json$/, ''))
    .sort(semver.compare);
  return { release: releases[0], pins: readJson(path.join(releasesDir, `${releases[0]}.json`)).pins };
}

/** The caret families from `low` to `high`: majors, or minors while the major is 0. */
function expectedRange(low, high) {
  const parts = [`^${low}`];
  let next = semver.parse(low);
  const last = semver.parse(high);
  for (;;) {
    next = next.major === 0 ? semver.parse(`0.${next.minor + 1}.0`) : semver.parse(`${next.major + 1}.0.0`);
    if (semver.gt(next, last)) break;
    parts.push(`^${next.version}`);
  }
  return parts.join(' || ');
}

function main() {
  const oldest = oldestRelease();
  const pinned = readJson(path.join(root, 'package.json')).overrides;
  const workspaceVersions = new Map();
  const packages = fs
    .readdirSync(path.join(root, 'plugins'))
    .map(dir => path.join(root, 'plugins', dir, 'package.json'))
    .filter(file => fs.existsSync(file))
    .map(file => ({ file, pkg: readJson(file) }))
    .filter(({ pkg }) => !pkg.private);
  for (const { pkg } of packages) workspaceVersions.set(pkg.name, pkg.version);

  const problems = [];
  let rewritten = 0;
  for (const { file, pkg } of packages) {
    const where = path.relative(root, file);
    for (const field of ['dependencies', 'peerDependencies']) {
      for (const [name, range] of Object.entries(pkg[field] ?? {})) {
        if (name.startsWith('@backstage/')) {
          const low = oldest.pins[name];
          const high = pinned[name];
          if (!low || !high) {
            problems.push(`${where}: ${name} is not in the ${oldest.release} release set or the root overrides`);
            continue;
          }
          const expected = expectedRange(low, high);
          if (range !== expected) {
            if (write) {
              pkg[field][name] = expected;
              rewritten++;
            } else {
              problems.push(`${where}: ${name} is "${range}", expected "${expected}" (${oldest.release}: ${low}, demo: ${high})`);
            }
          }
        } else if (workspaceVersions.has(name) && range !== workspaceVersions.get(name)) {
          problems.push(`${where}: ${name} is "${range}", expected the workspace version ${workspaceVersions.get(name)}`);
        }
      }
    }
    if (pkg.backstage?.role === 'frontend-plugin') {
      for (const name of ['react', 'react-dom', 'react-router-dom']) {
        if (pkg.dependencies?.[name]) problems.push(`${where}: ${name} must be a peer dependency`);
        if (!pkg.peerDependencies?.[name]) problems.push(`${where}: ${name} is missing from peerDependencies`);
      }
    }
    if (write) fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  }

  if (write) console.log(`dependency ranges: ${rewritten} rewritten`);
  if (problems.length) {
    for (const problem of problems) console.error(problem);
    console.error(`${problems.length} dependency range problem(s); \`node scripts/check-dependency-ranges.js --write\` fixes the @backstage/* ones`);
    process.exit(1);
  }
  console.log(`dependency ranges: every @backstage/* range spans ${oldest.release} to the demo's pins`);
}

main();
