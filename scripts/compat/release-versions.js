#!/usr/bin/env node
/*
 * Derives the exact, coherent set of @backstage/* package versions of one Backstage release from the npm
 * registry, using only the npm CLI (no other dependencies).
 *
 *   node scripts/compat/release-versions.js 1.45.0            # prints the JSON
 *   node scripts/compat/release-versions.js 1.45.0 --write    # writes scripts/compat/releases/1.45.0.json
 *   node scripts/compat/release-versions.js 1.55.0 --check scripts/compat/releases/1.55.0.json
 *
 * Method (see scripts/compat/README.md):
 *  1. Every @backstage/create-app release embeds the release manifest it creates apps from
 *     (dist/lib/versions.cjs.js: `root` is the Backstage release, then one exact version per package its
 *     templates use). Find the create-app whose `root` equals the release (binary search over create-app
 *     versions; the root release grows with create-app's version).
 *  2. Start from ROOTS (what a minimal app + backend and our packages need) and follow the `dependencies` (and
 *     @backstage peer dependencies) of each chosen version transitively. Each package takes the manifest's version;
 *     a package outside the manifest takes the version its dependents' ranges were published against (Backstage
 *     publishes internal dependencies as ^<version at release time>; changesets bumps every dependent of a bumped
 *     package), i.e. the highest lower bound. Publish dates are NOT used: the registry this project sees is a
 *     mirror whose `time` entries are not the original publish dates and which lacks some versions; where the
 *     exact version is missing, the lowest published version above it that satisfies every range is taken (noted).
 *  3. Check: every @backstage/* dependency range of every chosen version is satisfied by the chosen version of that
 *     dependency (so npm `overrides` with this set never force a version outside a declared range).
 */
'use strict';

const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');

const execFileAsync = promisify(execFile);

/** What a minimal app + backend (as the compat harness builds them) and our published packages need. */
const ROOTS = [
  // tooling
  '@backstage/cli',
  '@backstage/backend-test-utils',
  '@backstage/test-utils',
  '@backstage/e2e-test-utils',
  // app
  '@backstage/app-defaults',
  '@backstage/core-app-api',
  '@backstage/core-components',
  '@backstage/core-plugin-api',
  '@backstage/core-compat-api',
  '@backstage/frontend-plugin-api',
  '@backstage/integration-react',
  '@backstage/plugin-catalog',
  '@backstage/plugin-catalog-common',
  '@backstage/plugin-catalog-react',
  '@backstage/plugin-org',
  '@backstage/plugin-permission-react',
  '@backstage/plugin-scaffolder',
  '@backstage/plugin-user-settings',
  '@backstage/theme',
  '@backstage/ui',
  // backend
  '@backstage/backend-defaults',
  '@backstage/backend-plugin-api',
  '@backstage/backend-openapi-utils',
  '@backstage/catalog-client',
  '@backstage/catalog-model',
  '@backstage/config',
  '@backstage/errors',
  '@backstage/types',
  '@backstage/plugin-app-backend',
  '@backstage/plugin-auth-backend',
  '@backstage/plugin-auth-backend-module-guest-provider',
  '@backstage/plugin-auth-node',
  '@backstage/plugin-catalog-backend',
  '@backstage/plugin-catalog-backend-module-scaffolder-entity-model',
  '@backstage/plugin-catalog-node',
  '@backstage/plugin-permission-backend',
  '@backstage/plugin-permission-backend-module-allow-all-policy',
  '@backstage/plugin-permission-common',
  '@backstage/plugin-permission-node',
  '@backstage/plugin-scaffolder-backend',
];

const cacheDir = path.join(
  os.tmpdir(),
  'security-posture-compat',
  'registry-cache',
);

async function npmJson(args) {
  const { stdout } = await execFileAsync('npm', [...args, '--json'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim() ? JSON.parse(stdout) : undefined;
}

// --- minimal semver (x.y.z[-pre]) and range checks: ^, ~, exact, *, >=a <b, a || b --------------------------
function parse(v) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(
    String(v).trim(),
  );
  return m
    ? { major: +m[1], minor: +m[2], patch: +m[3], pre: m[4] }
    : undefined;
}
function cmp(a, b) {
  const x = parse(a);
  const y = parse(b);
  for (const k of ['major', 'minor', 'patch'])
    if (x[k] !== y[k]) return x[k] - y[k];
  if (!x.pre && y.pre) return 1;
  if (x.pre && !y.pre) return -1;
  return String(x.pre || '').localeCompare(String(y.pre || ''), 'en', {
    numeric: true,
  });
}
function satisfiesComparator(v, c) {
  if (c === '*' || c === '' || c === 'x') return true;
  let m;
  if ((m = /^\^(.+)$/.exec(c))) {
    const b = parse(m[1]);
    if (!b || cmp(v, m[1]) < 0) return false;
    const x = parse(v);
    if (b.major > 0) return x.major === b.major;
    if (b.minor > 0) return x.major === 0 && x.minor === b.minor;
    return x.major === 0 && x.minor === 0 && x.patch === b.patch;
  }
  if ((m = /^~(.+)$/.exec(c))) {
    const b = parse(m[1]);
    const x = parse(v);
    return cmp(v, m[1]) >= 0 && x.major === b.major && x.minor === b.minor;
  }
  if ((m = /^(>=|<=|>|<|=)?\s*(.+)$/.exec(c))) {
    if (!parse(m[2])) return undefined;
    const d = cmp(v, m[2]);
    switch (m[1]) {
      case '>=':
        return d >= 0;
      case '<=':
        return d <= 0;
      case '>':
        return d > 0;
      case '<':
        return d < 0;
      default:
        return d === 0;
    }
  }
  return undefined;
}
/** true / false, or undefined when the range uses a form this checker does not know (e.g. workspace:). */
function satisfies(v, range) {
  const alternatives = String(range).split('||');
  let unknown = false;
  for (const alt of alternatives) {
    const parts = alt.trim().split(/\s+/).filter(Boolean);
    const results = (parts.length ? parts : ['*']).map(p =>
      satisfiesComparator(v, p),
    );
    if (results.some(r => r === undefined)) unknown = true;
    else if (results.every(Boolean)) return true;
  }
  return unknown ? undefined : false;
}

// --- create-app manifests ---------------------------------------------------------------------------------------
async function createAppManifest(version) {
  const dir = path.join(cacheDir, `create-app-${version}`);
  const file = path.join(dir, 'package', 'dist', 'lib', 'versions.cjs.js');
  if (!fs.existsSync(file)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const [packed] = await npmJson([
      'pack',
      `@backstage/create-app@${version}`,
      '--pack-destination',
      dir,
    ]);
    await execFileAsync('tar', [
      '-xzf',
      path.join(dir, packed.filename),
      '-C',
      dir,
    ]);
  }
  // eslint-disable-next-line import/no-dynamic-require
  return require(file).packageVersions;
}

async function findCreateApp(release) {
  const time = await npmJson(['view', '@backstage/create-app', 'time']);
  const versions = Object.keys(time)
    .filter(v => parse(v) && !parse(v).pre)
    .sort(cmp);
  let lo = 0;
  let hi = versions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const manifest = await createAppManifest(versions[mid]);
    const d = cmp(manifest.root, release);
    if (d === 0) {
      const packageJson = JSON.parse(
        fs.readFileSync(
          path.join(
            cacheDir,
            `create-app-${versions[mid]}`,
            'package',
            'package.json',
          ),
          'utf8',
        ),
      );
      return { version: versions[mid], manifest, packageJson };
    }
    if (d < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new Error(
    `no @backstage/create-app release embeds Backstage ${release}`,
  );
}

// --- closure ------------------------------------------------------------------------------------------------------
const packumentCache = new Map();
function packument(name) {
  if (!packumentCache.has(name)) {
    packumentCache.set(
      name,
      npmJson(['view', name, 'time', 'versions']).then(p => ({
        time: p.time,
        versions: p.versions,
      })),
    );
  }
  return packumentCache.get(name);
}
const depsCache = new Map();
function depsOf(name, version) {
  const key = `${name}@${version}`;
  if (!depsCache.has(key)) {
    depsCache.set(
      key,
      npmJson(['view', key, 'dependencies', 'peerDependencies']).then(r => {
        // npm view with two fields returns {dependencies, peerDependencies}; with one present only, the object.
        if (!r) return { dependencies: {}, peerDependencies: {} };
        if (r.dependencies || r.peerDependencies) {
          return {
            dependencies: r.dependencies || {},
            peerDependencies: r.peerDependencies || {},
          };
        }
        return { dependencies: r, peerDependencies: {} };
      }),
    );
  }
  return depsCache.get(key);
}

/** The lower bound of a range like ^1.2.3, ~1.2.3, 1.2.3 or >=1.2.3 (the version Backstage's workspace:^ had). */
function lowerBound(range) {
  const m = /^\s*(?:\^|~|>=|=)?\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(
    String(range),
  );
  return m ? m[1] : undefined;
}

/**
 * One package's version: the manifest's; else the version the chosen dependents' ranges were written against (the
 * highest lower bound: Backstage publishes internal dependencies as ^<version at release>, and changesets bumps every
 * dependent of a bumped package). Returns { version }, { missing: version } when the registry lacks that exact version,
 * or undefined when no dependent has been seen yet.
 */
async function pick(name, manifest, wanted) {
  const { versions } = await packument(name);
  const m = manifest[name];
  const bounds = wanted.map(w => lowerBound(w.range)).filter(Boolean);
  const release = m || bounds.sort(cmp).pop();
  if (!release) return undefined;
  return versions.includes(release)
    ? { version: release }
    : { missing: release };
}

/**
 * A stand-in for a release version the registry lacks: the nearest published version (first upwards, then
 * downwards) that satisfies every dependent's range and whose own @backstage/* ranges the set satisfies.
 */
async function substitute(name, missing, wanted, pins) {
  const { versions } = await packument(name);
  const stable = versions.filter(v => parse(v) && !parse(v).pre).sort(cmp);
  const candidates = [
    ...stable.filter(v => cmp(v, missing) > 0),
    ...stable.filter(v => cmp(v, missing) < 0).reverse(),
  ];
  for (const v of candidates) {
    if (!wanted.every(w => satisfies(v, w.range) !== false)) continue;
    const { dependencies, peerDependencies } = await depsOf(name, v);
    const ok = Object.entries({ ...dependencies, ...peerDependencies }).every(
      ([dep, range]) => !pins[dep] || satisfies(pins[dep], range) !== false,
    );
    if (ok) return v;
  }
  throw new Error(
    `${name}: release version ${missing} is not in this registry and no other version fits the set`,
  );
}

/** create-app's own dependency ranges were published with the release too (workspace:^ -> ^<release version>). */
function seedRanges(createApp) {
  const wanted = {};
  for (const [dep, range] of Object.entries({
    ...createApp.packageJson.dependencies,
    ...createApp.packageJson.devDependencies,
  })) {
    if (dep.startsWith('@backstage/'))
      wanted[dep] = [{ from: '@backstage/create-app', range }];
  }
  return wanted;
}

async function derive(release, { extra = [] } = {}) {
  const createApp = await findCreateApp(release);
  const roots = [...new Set([...ROOTS, ...extra])];
  const missing = {}; // name -> release version the registry lacks
  let pins = {};
  // 1. Exact release versions, closed over dependencies. Ranges of packages whose release version is missing are not
  //    followed (a stand-in from another release would pull the set towards that release).
  const wanted = seedRanges(createApp); // name -> [{from, range}]
  const queue = [...roots];
  const seen = new Set(queue);
  const deferred = new Map();
  while (queue.length) {
    const name = queue.shift();
    const picked = await pick(name, createApp.manifest, wanted[name] || []);
    if (!picked) {
      // neither in the manifest nor wanted by a package seen so far: retry after the others
      const n = (deferred.get(name) || 0) + 1;
      if (n > 3)
        throw new Error(
          `${name}: not in the manifest and no dependent range tells its version`,
        );
      deferred.set(name, n);
      queue.push(name);
      continue;
    }
    if (picked.missing) {
      missing[name] = picked.missing;
      continue;
    }
    pins[name] = picked.version;
    const { dependencies, peerDependencies } = await depsOf(name, pins[name]);
    for (const [dep, range] of Object.entries({
      ...dependencies,
      ...peerDependencies,
    })) {
      if (!dep.startsWith('@backstage/')) continue;
      (wanted[dep] = wanted[dep] || []).push({ from: name, range });
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  // Re-pick with every dependent known (the first pass saw only the dependents processed before it).
  for (const name of Object.keys(pins)) {
    const picked = await pick(name, createApp.manifest, wanted[name] || []);
    if (picked.missing) {
      delete pins[name];
      missing[name] = picked.missing;
    } else pins[name] = picked.version;
  }
  // 2. Stand-ins for the missing ones.
  const notes = [];
  for (const [name, version] of Object.entries(missing)) {
    pins[name] = await substitute(name, version, wanted[name] || [], pins);
    notes.push(
      `${name}: the release's ${version} is not in this registry; took ${pins[name]}`,
    );
    const { dependencies } = await depsOf(name, pins[name]);
    for (const dep of Object.keys(dependencies)) {
      if (dep.startsWith('@backstage/') && !pins[dep]) {
        notes.push(
          `${name}@${pins[name]} needs ${dep}, which nothing else in the set pins: add it by hand`,
        );
      }
    }
  }
  const problems = await checkRanges(pins);
  const sorted = Object.fromEntries(
    Object.keys(pins)
      .sort()
      .map(k => [k, pins[k]]),
  );
  return {
    about:
      `Exact versions of the @backstage/* packages of Backstage release ${release}: @backstage/create-app ` +
      `${createApp.version}'s embedded release manifest; for packages outside it, the version the chosen ` +
      `packages' ^ranges were published against; closed over the @backstage/* dependencies of a minimal app + ` +
      `backend and of the security-posture packages. Derived by scripts/compat/release-versions.js.`,
    backstageRelease: release,
    createApp: createApp.version,
    notes,
    rangeProblems: problems,
    pins: sorted,
  };
}

async function checkRanges(pins) {
  const problems = [];
  await Promise.all(
    Object.entries(pins).map(async ([name, version]) => {
      const { dependencies, peerDependencies } = await depsOf(name, version);
      for (const [dep, range] of Object.entries({
        ...dependencies,
        ...peerDependencies,
      })) {
        if (!pins[dep]) continue;
        const ok = satisfies(pins[dep], range);
        if (ok === false)
          problems.push(
            `${name}@${version} wants ${dep}@${range}, set has ${pins[dep]}`,
          );
      }
    }),
  );
  return problems.sort();
}

async function main() {
  const args = process.argv.slice(2);
  const release = args.find(a => /^\d+\.\d+\.\d+$/.test(a));
  if (!release) {
    console.error(
      'usage: release-versions.js <release, e.g. 1.45.0> [--write] [--check <file>] [--extra pkg,...]',
    );
    process.exit(2);
  }
  const extraIdx = args.indexOf('--extra');
  const extra = extraIdx >= 0 ? args[extraIdx + 1].split(',') : [];
  const result = await derive(release, { extra });
  const checkIdx = args.indexOf('--check');
  if (checkIdx >= 0) {
    const file = JSON.parse(fs.readFileSync(args[checkIdx + 1], 'utf8'));
    let diffs = 0;
    for (const [name, v] of Object.entries(file.pins)) {
      if (result.pins[name] && result.pins[name] !== v) {
        diffs++;
        console.log(`differs: ${name} file ${v}, derived ${result.pins[name]}`);
      }
    }
    const onlyFile = Object.keys(file.pins).filter(n => !result.pins[n]);
    const onlyDerived = Object.keys(result.pins).filter(n => !file.pins[n]);
    console.log(`only in file: ${onlyFile.join(' ') || '-'}`);
    console.log(
      `only derived: ${
        onlyDerived.map(n => `${n}@${result.pins[n]}`).join(' ') || '-'
      }`,
    );
    console.log(`notes: ${result.notes.join('; ') || '-'}`);
    console.log(
      `range problems in the derived set: ${
        result.rangeProblems.join('; ') || '-'
      }`,
    );
    const fileProblems = await checkRanges(file.pins);
    console.log(
      `range problems in the file's set: ${fileProblems.join('; ') || '-'}`,
    );
    console.log(
      diffs ? `${diffs} version(s) differ` : 'all common versions agree',
    );
    process.exit(diffs ? 1 : 0);
  }
  const json = `${JSON.stringify(result, null, 1)}\n`;
  if (args.includes('--write')) {
    const out = path.join(__dirname, 'releases', `${release}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, json);
    console.error(`wrote ${out} (${Object.keys(result.pins).length} packages)`);
  } else {
    process.stdout.write(json);
  }
}

if (require.main === module) {
  main().catch(e => {
    console.error(e.stack || e);
    process.exit(1);
  });
}

module.exports = { derive, satisfies, cmp };
