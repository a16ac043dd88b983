#!/usr/bin/env node
/*
 * `npx @security-posture/cli scan` from the packed tarballs in an empty folder, with no workspace
 * around it: installs the CLI's tarball and the tarballs of our packages it depends on (what the
 * registry would serve) into a fresh temp folder, runs `npx @security-posture/cli scan` over the
 * demo catalog and templates, and compares its findings with the repository's CLI on the same
 * files: same fingerprints, severities and masks, and no planted secret in the output.
 *
 * Usage: node scripts/compat/cli-from-tarball.js [--packs dist-packs]
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const packsArg = process.argv.indexOf('--packs');
const packs = path.resolve(root, packsArg > 0 ? process.argv[packsArg + 1] : 'dist-packs');

// The CLI and what it needs of ours; the rest comes from the registry.
const OUR_PACKAGES = ['cli', 'checks', 'static-analysis', 'plugin-security-posture-common', 'plugin-security-posture-node'];

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return result;
}

function fail(message, detail) {
  console.error(`cli-from-tarball: FAILED: ${message}`);
  if (detail) console.error(detail.split('\n').slice(-40).join('\n'));
  process.exit(1);
}

function tarballOf(name) {
  const file = fs.readdirSync(packs).find(f => f.startsWith(`security-posture-${name}-`) && f.endsWith('.tgz'));
  if (!file) fail(`no tarball for @security-posture/${name} in ${packs} (run npm run build && npm run pack)`);
  return path.join(packs, file);
}

/** The comparable part of a scan report: what was found, as masked. */
function findingsOf(report) {
  return report.findings
    .map(f => `${f.fingerprint} ${f.checkId} ${f.severity} ${f.outcome} ${JSON.stringify(f.evidence ?? null)}`)
    .sort();
}

function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'security-posture-cli-'));
  const input = path.join(work, 'input');
  fs.cpSync(path.join(root, 'dev/catalog'), path.join(input, 'catalog'), { recursive: true });
  fs.cpSync(path.join(root, 'dev/templates'), path.join(input, 'templates'), { recursive: true });
  const folder = path.join(work, 'empty');
  fs.mkdirSync(folder);

  const started = Date.now();
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...OUR_PACKAGES.map(tarballOf)], {
    cwd: folder,
  });
  if (install.status !== 0) fail('npm install of the tarballs', install.stdout + install.stderr);
  const installed = JSON.parse(fs.readFileSync(path.join(folder, 'node_modules/@security-posture/cli/package.json'), 'utf8'));
  if (fs.existsSync(path.join(folder, 'node_modules/@security-posture/plugin-security-posture-backend'))) {
    fail('the CLI pulled in the backend plugin');
  }
  if (fs.existsSync(path.join(folder, 'node_modules/@backstage/backend-defaults'))) {
    fail("the CLI pulled in Backstage's backend runtime (@backstage/backend-defaults)");
  }

  // --offline: the test machines reach only the npm registry (advisories from the bundled dataset).
  const args = ['scan', input, '--root', input, '--format', 'json', '--fail-on', 'none', '--offline'];
  const packed = run('npx', ['--no-install', '@security-posture/cli', ...args], { cwd: folder });
  if (packed.status !== 0) fail(`npx @security-posture/cli exited ${packed.status}`, packed.stderr);
  const repo = run('node', [path.join(root, 'plugins/security-posture-cli/bin/security-posture.js'), ...args], { cwd: root });
  if (repo.status !== 0) fail(`the repository's CLI exited ${repo.status}`, repo.stderr);

  const packedFindings = findingsOf(JSON.parse(packed.stdout));
  const repoFindings = findingsOf(JSON.parse(repo.stdout));
  if (packedFindings.length === 0) fail('the packed CLI found nothing in the demo catalog and templates');
  const missing = repoFindings.filter(f => !packedFindings.includes(f));
  const extra = packedFindings.filter(f => !repoFindings.includes(f));
  if (missing.length || extra.length) {
    fail(`findings differ from the repository's CLI: ${missing.length} missing, ${extra.length} extra`, [...missing, ...extra].slice(0, 10).join('\n'));
  }
  // The demo catalog plants fake AWS keys (AKIA…) and GitHub tokens (ghp_…): only masks may leave.
  const planted = /\bAKIA[0-9A-Z]{16}\b|\bghp_[A-Za-z0-9]{36}\b/g;
  const catalogText = fs
    .readdirSync(path.join(input, 'catalog'), { recursive: true })
    .filter(f => /\.ya?ml$/.test(f))
    .map(f => fs.readFileSync(path.join(input, 'catalog', f), 'utf8'))
    .join('\n');
  if (!planted.test(catalogText)) fail('the demo catalog has no planted secret to look for');
  if ((packed.stdout + packed.stderr).match(planted)) fail('a planted secret appears in the output');

  fs.rmSync(work, { recursive: true, force: true });
  console.log(
    `cli-from-tarball: ok — ${installed.name}@${installed.version} from its tarball in an empty folder, ` +
      `${packedFindings.length} findings, identical to the repository's CLI (${Math.round((Date.now() - started) / 1000)} s)`,
  );
}

main();
