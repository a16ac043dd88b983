#!/usr/bin/env node
/*
 * Packs every publishable package (plugins/*) into dist-packs/ with `npm pack`, which runs each
 * package's prepack (`backstage-cli package prepack`: main/types/exports to dist, config.d.ts to
 * config.schema.json) and postpack, and checks what each tarball holds: the entry points that
 * its package.json names exist in it, the files the package needs at run time are there, and no
 * entry point still points at TypeScript sources. Run `npm run build` first.
 *
 * Usage: node scripts/pack.js [--out dist-packs]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outArg = process.argv.indexOf('--out');
const out = path.resolve(root, outArg > 0 ? process.argv[outArg + 1] : 'dist-packs');

/** Files each package needs at run time besides its entry points (paths in the tarball). */
const REQUIRED_FILES = {
  '@security-posture/plugin-security-posture-backend': [
    'config.schema.json',
    'migrations/20261129120000_init.js',
    'src/schema/openapi.yaml',
  ],
  '@security-posture/checks': ['data/backstage-advisories.json', 'data/registry-snapshot.json'],
  '@security-posture/cli': ['bin/security-posture.js'],
  '@security-posture/plugin-security-posture-backend-module-notifications': [
    'config.schema.json',
    'migrations/20261206130000_sent_notifications.js',
  ],
};

function publishableWorkspaces() {
  return fs
    .readdirSync(path.join(root, 'plugins'))
    .map(dir => path.join(root, 'plugins', dir))
    .filter(dir => fs.existsSync(path.join(dir, 'package.json')))
    .map(dir => ({ dir, pkg: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private);
}

/** Every file an entry point of the packed package.json names. */
function entryPoints(pkg) {
  const targets = [];
  const walk = (value, where) => {
    if (typeof value === 'string') targets.push({ where, file: value });
    else if (value && typeof value === 'object') {
      for (const [key, nested] of Object.entries(value)) {
        // `backstage` in exports names the feature type (e.g. @backstage/BackendFeature), not a file
        if (key !== 'backstage') walk(nested, `${where}.${key}`);
      }
    }
  };
  walk(pkg.main, 'main');
  walk(pkg.module, 'module');
  walk(pkg.types, 'types');
  walk(pkg.exports, 'exports');
  walk(pkg.bin, 'bin');
  walk(pkg.configSchema, 'configSchema');
  for (const [name, paths] of Object.entries(pkg.typesVersions?.['*'] ?? {})) {
    walk(paths, `typesVersions.${name}`);
  }
  return targets.map(t => ({ ...t, file: t.file.replace(/^\.\//, '') }));
}

function checkTarball(tarball, name) {
  const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'security-posture-pack-'));
  try {
    execFileSync('tar', ['xzf', tarball, '-C', unpacked]);
    const dir = path.join(unpacked, 'package');
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const problems = [];
    for (const { where, file } of entryPoints(pkg)) {
      if (/^src\/.*\.tsx?$/.test(file)) problems.push(`${where} points at the sources (${file})`);
      else if (!fs.existsSync(path.join(dir, file))) problems.push(`${where}: ${file} is missing`);
    }
    for (const file of REQUIRED_FILES[name] ?? []) {
      if (!fs.existsSync(path.join(dir, file))) problems.push(`${file} is missing`);
    }
    if (fs.existsSync(path.join(dir, 'src')) && name !== '@security-posture/plugin-security-posture-backend') {
      problems.push('ships src/');
    }
    for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
      if (range.startsWith('workspace:') || range.startsWith('file:')) {
        problems.push(`dependency ${dep} is ${range}`);
      }
    }
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    return { problems, files: files.length };
  } finally {
    fs.rmSync(unpacked, { recursive: true, force: true });
  }
}

function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  let failed = false;
  for (const { dir, pkg } of publishableWorkspaces()) {
    if (!fs.existsSync(path.join(dir, 'dist'))) {
      console.error(`${pkg.name}: no dist/ — run \`npm run build\` first`);
      failed = true;
      continue;
    }
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const tarball = path.join(out, packed.filename);
    const { problems, files } = checkTarball(tarball, pkg.name);
    const status = problems.length ? 'FAILED' : 'ok';
    console.log(`${status.padEnd(7)} ${packed.filename} (${files} files, ${Math.round(packed.size / 1024)} KiB)`);
    for (const problem of problems) console.log(`        - ${problem}`);
    if (problems.length) failed = true;
  }
  if (failed) process.exit(1);
  console.log(`Tarballs in ${path.relative(root, out) || out}`);
}

main();
