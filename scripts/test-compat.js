#!/usr/bin/env node
/*
 * npm run test:compat — proves that our packed packages install and run in real, throwaway Backstage apps of each
 * release in scripts/compat/releases (1.55.0 and the oldest supported release).
 *
 *   node scripts/test-compat.js [--packs <dir>] [--release <x.y.z>]... [--work <dir>] [--reuse] [--allow-no-packs]
 *
 *   --packs <dir>     our tarballs, one .tgz per publishable package (default <repo>/dist-packs)
 *   --release <v>     only this release (repeatable; default: every scripts/compat/releases/*.json)
 *   --work <dir>      where the apps go (default <os tmpdir>/security-posture-compat); <work>/<release> is wiped
 *   --reuse           keep an installed app whose package.json files did not change (fast re-runs while developing)
 *   --allow-no-packs  run the bare app when no tarballs are found (steps that need our packages are skipped)
 *   --skip <step>     skip a step (repeatable): tsc, types, backend, frontend
 *
 * For each release, sequentially: write the app (scripts/compat/app-files.js; `overrides` pin the release's exact
 * @backstage/* versions, like an adopter's app), `npm install` our tarballs into it, `tsc` the app, type-check our
 * packages' declarations against the release's types, start the backend (`backstage-cli package start`) with our
 * plugin on SQLite, sign in as guest, GET /api/security-posture/summary, POST /api/security-posture/scans and poll
 * the scan until it finishes, stop the backend, and build the frontend app with our plugin in it. Prints a table per
 * release, keeps every step's log in <work>/<release>/logs, prints the tail of a failing step's log, and exits
 * non-zero when any step fails.
 */
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { appFiles } = require('./compat/app-files');

const repo = path.resolve(__dirname, '..');
const releasesDir = path.join(__dirname, 'compat', 'releases');

// ---- arguments -------------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const o = {
    packs: path.join(repo, 'dist-packs'),
    releases: [],
    work: path.join(os.tmpdir(), 'security-posture-compat'),
    reuse: false,
    allowNoPacks: false,
    skip: new Set(),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--packs') o.packs = path.resolve(next());
    else if (a === '--release') o.releases.push(next());
    else if (a === '--work') o.work = path.resolve(next());
    else if (a === '--reuse') o.reuse = true;
    else if (a === '--allow-no-packs') o.allowNoPacks = true;
    else if (a === '--skip') o.skip.add(next());
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(__filename, 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

// ---- helpers ---------------------------------------------------------------------------------------------------
const sleep = ms => new Promise(r => setTimeout(r, ms));
const fmt = ms =>
  ms < 1000
    ? `${ms} ms`
    : ms < 120000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${(ms / 60000).toFixed(1)} min`;

function tail(file, lines = 40) {
  try {
    const text = fs.readFileSync(file, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command with its output appended to a log file; resolves with the exit code (or 'timeout'). */
function run(cmd, args, { cwd, log, env, timeoutMs }) {
  return new Promise(resolve => {
    const out = fs.openSync(log, 'a');
    fs.writeSync(out, `$ (cd ${cwd} && ${cmd} ${args.join(' ')})\n`);
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', out, out],
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    child.on('exit', code => {
      clearTimeout(timer);
      fs.closeSync(out);
      resolve(timedOut ? 'timeout' : code);
    });
    child.on('error', err => {
      clearTimeout(timer);
      fs.writeSync(out, `${err.stack}\n`);
      fs.closeSync(out);
      resolve(-1);
    });
  });
}

function killGroup(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

async function http(method, url, { token, body, headers = {} } = {}) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, text, json, headers: res.headers };
}

// ---- our tarballs ----------------------------------------------------------------------------------------------
function readPacks(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.tgz'))
    .sort()
    .map(f => {
      const file = path.join(dir, f);
      const pj = JSON.parse(
        execFileSync('tar', ['-xzOf', file, 'package/package.json'], {
          encoding: 'utf8',
        }),
      );
      const files = execFileSync('tar', ['-tzf', file], {
        encoding: 'utf8',
      }).split('\n');
      // entry points that have type declarations (the declarations check imports each)
      const typedEntryPoints = [];
      if (pj.exports && typeof pj.exports === 'object') {
        for (const [key, value] of Object.entries(pj.exports)) {
          if (key.endsWith('package.json')) continue;
          const types =
            value && typeof value === 'object' ? value.types : undefined;
          if (types) typedEntryPoints.push(key);
        }
      } else if (pj.types || pj.typings) typedEntryPoints.push('.');
      return {
        file,
        name: pj.name,
        version: pj.version,
        private: pj.private,
        role: pj.backstage?.role,
        typedEntryPoints,
        hasDist: files.some(x => x.startsWith('package/dist/')),
      };
    });
}

// ---- one release -----------------------------------------------------------------------------------------------
const STEPS = [
  'install',
  'tsc',
  'types',
  'backend start',
  'sign-in',
  'summary',
  'scan',
  'frontend build',
];

async function testRelease(release, opts) {
  const releaseFile = JSON.parse(
    fs.readFileSync(path.join(releasesDir, `${release}.json`), 'utf8'),
  );
  const pins = releaseFile.pins;
  const dir = path.join(opts.work, release);
  const logs = path.join(dir, 'logs');
  const results = Object.fromEntries(
    STEPS.map(s => [s, { status: 'skipped', ms: 0, detail: '' }]),
  );
  const port = await freePort();

  // app files; our tarballs are copied in, so the app does not depend on the packs folder afterwards
  const packs = opts.packs.map(p => ({
    ...p,
    spec: `file:packs/${path.basename(p.file)}`,
  }));
  const { files, hasBackend, hasFrontend } = appFiles({
    release,
    pins,
    packs,
    port,
  });
  const manifestKey = JSON.stringify(
    Object.entries(files).filter(([f]) => f.endsWith('package.json')),
  );
  const reusable =
    opts.reuse &&
    fs.existsSync(path.join(dir, 'node_modules')) &&
    fs.existsSync(path.join(dir, '.compat-manifest')) &&
    fs.readFileSync(path.join(dir, '.compat-manifest'), 'utf8') ===
      manifestKey &&
    packs.every(p => {
      const copy = path.join(dir, 'packs', path.basename(p.file));
      return (
        fs.existsSync(copy) &&
        fs.readFileSync(copy).equals(fs.readFileSync(p.file))
      );
    });
  if (!reusable) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(logs, { recursive: true });
  for (const f of fs.readdirSync(logs))
    fs.rmSync(path.join(logs, f), { force: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  fs.mkdirSync(path.join(dir, 'packs'), { recursive: true });
  for (const p of packs)
    fs.copyFileSync(p.file, path.join(dir, 'packs', path.basename(p.file)));

  console.log(`\n=== Backstage ${release} → ${dir} (backend port ${port})`);
  const bin = name => path.join(dir, 'node_modules', '.bin', name);
  const step = async (name, fn) => {
    const started = Date.now();
    const log = path.join(logs, `${name.replace(/\s+/g, '-')}.log`);
    process.stdout.write(`--- ${name} ... `);
    let r;
    try {
      r = await fn(log);
    } catch (e) {
      fs.appendFileSync(log, `${e.stack || e}\n`);
      r = { ok: false, detail: String(e.message || e) };
    }
    const ms = Date.now() - started;
    results[name] = {
      status: r.ok ? 'ok' : r.skipped ? 'skipped' : 'FAILED',
      ms,
      detail: r.detail || '',
      log,
      ...(r.data ? { data: r.data } : {}),
    };
    console.log(
      `${results[name].status} (${fmt(ms)})${r.detail ? ` — ${r.detail}` : ''}`,
    );
    if (!r.ok && !r.skipped) {
      console.log(
        `    log: ${log}\n    ---- ${
          r.excerpt ? 'excerpt' : 'last lines'
        } ----`,
      );
      console.log(
        (r.excerpt || tail(log, 40))
          .split('\n')
          .map(l => `    | ${l}`)
          .join('\n'),
      );
    }
    return r.ok;
  };

  // 1. install
  const installed = await step('install', async log => {
    if (reusable)
      return { ok: true, detail: 'reused the installed app (--reuse)' };
    const code = await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund'],
      {
        cwd: dir,
        log,
        timeoutMs: 30 * 60 * 1000,
      },
    );
    if (code !== 0)
      return { ok: false, detail: `npm install exited with ${code}` };
    fs.writeFileSync(path.join(dir, '.compat-manifest'), manifestKey);
    // the versions that really got installed: one copy of each pinned package, at the pinned version
    const problems = checkInstalledVersions(dir, pins, packs);
    fs.appendFileSync(
      log,
      `\n${
        problems.length
          ? problems.join('\n')
          : 'installed versions match the release set'
      }\n`,
    );
    if (problems.length)
      return {
        ok: false,
        detail: `${
          problems.length
        } installed version(s) off the release set: ${problems
          .slice(0, 3)
          .join('; ')}`,
      };
    return { ok: true };
  });
  if (!installed) return results;

  // 2. tsc of the app
  if (!opts.skip.has('tsc')) {
    await step('tsc', async log => {
      const code = await run(bin('tsc'), [], {
        cwd: dir,
        log,
        timeoutMs: 10 * 60 * 1000,
      });
      return code === 0
        ? { ok: true }
        : { ok: false, detail: `tsc exited with ${code}` };
    });
  }

  // 3. our packages' declarations against this release's types
  if (!opts.skip.has('types')) {
    await step('types', async log => {
      if (!packs.length) return { skipped: true, detail: 'no packs' };
      const code = await run(bin('tsc'), ['-p', 'tsconfig.compat-types.json'], {
        cwd: dir,
        log,
        timeoutMs: 10 * 60 * 1000,
      });
      if (code === 0) return { ok: true };
      // only errors in our declarations count; other packages' .d.ts are reported but not ours to fix
      const text = fs.readFileSync(log, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
      const errors = [
        ...text.matchAll(
          /^(\S[^\n(:]*?)[(:](\d+)[,:](\d+)\)?:? - error (TS\d+): (.*)$/gm,
        ),
      ].map(m => ({
        file: m[1],
        line: m[2],
        code: m[4],
        message: m[5],
      }));
      const ours = errors.filter(e =>
        /@security-posture[\\/]|^compat-types/.test(e.file),
      );
      const others = errors.length - ours.length;
      fs.appendFileSync(
        log,
        `\n${ours.length} error(s) in our declarations; ${others} in other packages' declarations (not counted)\n` +
          ours
            .map(e => `OURS ${e.file}:${e.line}: ${e.code} ${e.message}`)
            .join('\n') +
          '\n',
      );
      if (!ours.length && errors.length)
        return {
          ok: true,
          detail: `${others} error(s) in other packages' .d.ts ignored`,
        };
      if (!errors.length)
        return { ok: false, detail: `tsc exited with ${code}` };
      const distinct = [
        ...new Set(
          ours.map(e => `${e.file}:${e.line}: ${e.code} ${e.message}`),
        ),
      ];
      return {
        ok: false,
        detail: `${ours.length} error(s) in our declarations, first: ${ours[0].file}: ${ours[0].message}`,
        excerpt: `${
          ours.length
        } error(s) in our declarations against ${release}'s types (distinct):\n${distinct.join(
          '\n',
        )}`,
      };
    });
  }

  // 4-7. backend
  if (!opts.skip.has('backend'))
    await backendSteps({ dir, port, step, hasBackend, logs });

  // 8. frontend build
  if (!opts.skip.has('frontend')) {
    await step('frontend build', async log => {
      if (!hasFrontend && !opts.allowNoPacks)
        return { ok: false, detail: 'no frontend plugin tarball' };
      fs.rmSync(path.join(dir, 'packages', 'app', 'dist'), {
        recursive: true,
        force: true,
      });
      const code = await run(
        bin('backstage-cli'),
        ['package', 'build', '--config', '../../app-config.yaml'],
        {
          cwd: path.join(dir, 'packages', 'app'),
          log,
          timeoutMs: 20 * 60 * 1000,
        },
      );
      if (code !== 0)
        return {
          ok: false,
          detail: `backstage-cli package build exited with ${code}`,
        };
      const js = findFiles(
        path.join(dir, 'packages', 'app', 'dist', 'static'),
        f => f.endsWith('.js'),
      );
      const withPlugin = hasFrontend
        ? js.filter(f =>
            fs.readFileSync(f, 'utf8').includes('security-posture'),
          )
        : [];
      if (hasFrontend && !withPlugin.length)
        return {
          ok: false,
          detail: 'the built app does not contain our plugin',
        };
      return {
        ok: true,
        detail: `${js.length} js chunks${
          hasFrontend ? `, ${withPlugin.length} with our plugin` : ''
        }`,
      };
    });
  }
  return results;
}

function findFiles(dir, pred, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, pred, out);
    else if (pred(p)) out.push(p);
  }
  return out;
}

/** Every @backstage/* package in the tree is at the release's version; our packages come from the tarballs. */
function checkInstalledVersions(dir, pins, packs) {
  const problems = [];
  const found = {};
  const visit = nm => {
    if (!fs.existsSync(nm)) return;
    for (const scope of fs.readdirSync(nm)) {
      if (scope === '.bin') continue;
      const scoped = scope.startsWith('@');
      const names = scoped
        ? fs.readdirSync(path.join(nm, scope)).map(n => `${scope}/${n}`)
        : [scope];
      for (const name of names) {
        const pkgDir = path.join(nm, name);
        const pjFile = path.join(pkgDir, 'package.json');
        if (!fs.existsSync(pjFile)) continue;
        if (
          name.startsWith('@backstage/') ||
          name.startsWith('@security-posture/')
        ) {
          const v = JSON.parse(fs.readFileSync(pjFile, 'utf8')).version;
          (found[name] = found[name] || new Set()).add(v);
        }
        visit(path.join(pkgDir, 'node_modules'));
      }
    }
  };
  visit(path.join(dir, 'node_modules'));
  for (const ws of ['app', 'backend'])
    visit(path.join(dir, 'packages', ws, 'node_modules'));
  for (const [name, versions] of Object.entries(found)) {
    if (name.startsWith('@backstage/')) {
      if (!pins[name])
        problems.push(
          `${name}@${[...versions].join(
            ',',
          )} is not in the release set (not pinned)`,
        );
      else if (versions.size !== 1 || !versions.has(pins[name])) {
        problems.push(
          `${name}: installed ${[...versions].join(', ')}, release set ${
            pins[name]
          }`,
        );
      }
    } else {
      const pack = packs.find(p => p.name === name);
      if (!pack)
        problems.push(
          `${name}@${[...versions].join(
            ',',
          )} does not come from a tarball in --packs`,
        );
      else if (versions.size !== 1 || !versions.has(pack.version))
        problems.push(
          `${name}: installed ${[...versions].join(', ')}, tarball ${
            pack.version
          }`,
        );
    }
  }
  return problems;
}

async function backendSteps({ dir, port, step, hasBackend }) {
  const base = `http://localhost:${port}`;
  let child;
  let token;
  try {
    const started = await step('backend start', async log => {
      const out = fs.openSync(log, 'a');
      child = spawn(
        path.join(dir, 'node_modules', '.bin', 'backstage-cli'),
        ['package', 'start', '--config', '../../app-config.yaml'],
        {
          cwd: path.join(dir, 'packages', 'backend'),
          stdio: ['ignore', out, out],
          detached: true,
          env: process.env,
        },
      );
      let exited;
      child.on('exit', code => {
        exited = code ?? 'signal';
      });
      const deadline = Date.now() + 4 * 60 * 1000;
      while (Date.now() < deadline) {
        if (exited !== undefined)
          return {
            ok: false,
            detail: `backend exited with ${exited} before it was ready`,
          };
        try {
          const r = await http('GET', `${base}/.backstage/health/v1/readiness`);
          if (r.status === 200) break;
        } catch {
          /* not listening yet */
        }
        await sleep(1000);
      }
      if (Date.now() >= deadline)
        return { ok: false, detail: 'backend not ready within 4 minutes' };
      // plugins that failed to start show up in the log even when the backend answers
      await sleep(1000);
      const text = fs.readFileSync(log, 'utf8');
      const failed =
        /Plugin '([^']+)' startup failed|Backend startup failed|failed to initialize/i.exec(
          text,
        );
      if (failed) return { ok: false, detail: failed[0] };
      if (hasBackend && !/security-posture/.test(text)) {
        return {
          ok: true,
          detail: 'ready (no security-posture log line seen yet)',
        };
      }
      return { ok: true, detail: 'ready' };
    });
    if (!started) return;
    if (!hasBackend) return;

    const signedIn = await step('sign-in', async log => {
      // the guest provider's refresh endpoint, as the frontend's sign-in page calls it
      for (const method of ['GET', 'POST']) {
        const r = await http(
          method,
          `${base}/api/auth/guest/refresh?optional&env=development`,
          {
            headers: { 'x-requested-with': 'XMLHttpRequest' },
          },
        );
        fs.appendFileSync(
          log,
          `${method} /api/auth/guest/refresh → ${r.status} ${r.text.slice(
            0,
            500,
          )}\n`,
        );
        token =
          r.json && r.json.backstageIdentity && r.json.backstageIdentity.token;
        if (token) {
          const user =
            r.json.backstageIdentity.identity &&
            r.json.backstageIdentity.identity.userEntityRef;
          return { ok: true, detail: `${method} → ${user || 'token'}` };
        }
      }
      return {
        ok: false,
        detail: 'no Backstage token from /api/auth/guest/refresh',
      };
    });
    if (!signedIn) return;

    await step('summary', async log => {
      const r = await http('GET', `${base}/api/security-posture/summary`, {
        token,
      });
      fs.appendFileSync(
        log,
        `GET /api/security-posture/summary → ${r.status}\n${r.text.slice(
          0,
          4000,
        )}\n`,
      );
      if (r.status !== 200)
        return {
          ok: false,
          detail: `HTTP ${r.status}: ${r.text.slice(0, 200)}`,
        };
      const unauth = await http('GET', `${base}/api/security-posture/summary`);
      fs.appendFileSync(log, `without a token → ${unauth.status}\n`);
      if (unauth.status !== 401)
        return {
          ok: false,
          detail: `200 with a token, but ${unauth.status} (not 401) without one`,
        };
      return { ok: true, detail: 'HTTP 200 (401 without a token)' };
    });

    await step('scan', async log => {
      const r = await http('POST', `${base}/api/security-posture/scans`, {
        token,
      });
      fs.appendFileSync(
        log,
        `POST /api/security-posture/scans → ${r.status} ${r.text.slice(
          0,
          1000,
        )}\n`,
      );
      if (r.status !== 202 || !r.json || !r.json.id)
        return {
          ok: false,
          detail: `HTTP ${r.status}: ${r.text.slice(0, 200)}`,
        };
      const id = r.json.id;
      const deadline = Date.now() + 6 * 60 * 1000;
      let scan = r.json;
      while (
        Date.now() < deadline &&
        ['queued', 'running'].includes(scan.status)
      ) {
        await sleep(2000);
        const s = await http(
          'GET',
          `${base}/api/security-posture/scans/${encodeURIComponent(id)}`,
          { token },
        );
        if (s.status !== 200) {
          fs.appendFileSync(
            log,
            `GET /scans/${id} → ${s.status} ${s.text.slice(0, 500)}\n`,
          );
          return { ok: false, detail: `GET /scans/${id}: HTTP ${s.status}` };
        }
        scan = s.json;
      }
      fs.appendFileSync(log, `${JSON.stringify(scan, null, 1)}\n`);
      const runs = scan.checkRuns || [];
      const data = Object.fromEntries(runs.map(c => [c.checkId, c.outcome]));
      const count = o => runs.filter(c => c.outcome === o).length;
      const outcomes = `${runs.length} checks: ${count('pass')} pass, ${count(
        'fail',
      )} fail, ${count('notApplicable')} n/a, ${count('error')} error`;
      // The catalog checks must have run in the evaluation workers, loaded from the built package.
      const backendLog = fs.readFileSync(
        path.join(dir, 'logs', 'backend-start.log'),
        'utf8',
      );
      const workerTrouble =
        /Evaluation workers could not start[^\n]*|cannot run in an evaluation worker[^\n]*|Evaluation worker failed[^\n]*/.exec(
          backendLog,
        );
      if (workerTrouble) return { ok: false, data, detail: workerTrouble[0] };
      const inWorkers = /Catalog pass: [^\n]* evaluated in \d+ evaluation worker\(s\)( at CPU niceness (\d+))?/.exec(
        backendLog,
      );
      if (!inWorkers) {
        return { ok: false, data, detail: 'no catalog pass ran in the evaluation workers (backend log)' };
      }
      // On Linux the workers run below the event loop's priority (securityPosture.scans.evaluationWorkerNiceness).
      const niceness = inWorkers[2];
      if (process.platform === 'linux' && !niceness) {
        return { ok: false, data, detail: 'the evaluation workers did not lower their CPU priority (backend log)' };
      }
      // Its first pass is a full one: the workers read the catalog pages themselves.
      if (!/Catalog pass: the evaluation workers read the catalog pages/.test(backendLog)) {
        return { ok: false, data, detail: 'the evaluation workers did not read the catalog (backend log)' };
      }
      if (scan.status === 'succeeded')
        return {
          ok: true,
          detail: `succeeded in evaluation workers${
            niceness ? ` (nice ${niceness})` : ''
          }, which read the catalog; ${outcomes}`,
          data,
        };
      const errored = runs
        .filter(c => c.outcome === 'error')
        .map(c => `${c.checkId}: ${c.message || ''}`)
        .join(' | ');
      return {
        ok: false,
        data,
        detail: `scan ${scan.status || 'did not finish'}${
          scan.message ? ` (${scan.message})` : ''
        }; ${outcomes}${errored ? `; errors: ${errored}` : ''}`,
      };
    });
  } finally {
    if (child && child.exitCode === null) {
      killGroup(child);
      for (
        let i = 0;
        i < 50 && child.exitCode === null && child.signalCode === null;
        i++
      )
        await sleep(100);
      if (child.exitCode === null && child.signalCode === null)
        killGroup(child, 'SIGKILL');
    }
  }
}

// ---- main ------------------------------------------------------------------------------------------------------
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const releases = (
    opts.releases.length
      ? opts.releases
      : fs
          .readdirSync(releasesDir)
          .filter(f => /^\d+\.\d+\.\d+\.json$/.test(f))
          .map(f => f.replace(/\.json$/, ''))
  ).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  // Optional add-on modules (notifications, Tech Insights) are left out of the apps: they need
  // packages outside the release sets (notifications, signals, tech-insights) that the apps do not
  // install; their own tests cover them.
  const packs = readPacks(opts.packs).filter(
    p => !p.private && p.role !== 'backend-plugin-module',
  );
  if (!packs.length && !opts.allowNoPacks) {
    console.error(
      `No tarballs in ${opts.packs}. Build and pack our packages first (one .tgz per publishable package), or pass --packs <dir>.`,
    );
    process.exit(2);
  }
  console.log(
    `security-posture compat test: releases ${releases.join(', ')}; work dir ${
      opts.work
    }`,
  );
  console.log(
    packs.length
      ? `packages from ${opts.packs}: ${packs
          .map(p => `${p.name}@${p.version}${p.hasDist ? '' : ' (NO dist/)'}`)
          .join(', ')}`
      : 'no packs: the bare app only (--allow-no-packs)',
  );
  fs.mkdirSync(opts.work, { recursive: true });
  const all = {};
  const t0 = Date.now();
  for (const release of releases)
    all[release] = await testRelease(release, { ...opts, packs });

  // summary
  console.log(
    `\n=== security-posture compat summary (${fmt(Date.now() - t0)})`,
  );
  const width = Math.max(...STEPS.map(s => s.length));
  const header = `${'step'.padEnd(width)}  ${releases
    .map(r => r.padEnd(22))
    .join('  ')}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const s of STEPS) {
    console.log(
      `${s.padEnd(width)}  ${releases
        .map(r => {
          const x = all[r][s];
          return `${x.status}${
            x.status === 'skipped' ? '' : ` ${fmt(x.ms)}`
          }`.padEnd(22);
        })
        .join('  ')}`,
    );
  }
  // check outcomes that differ between releases (what degrades on older releases)
  const withScan = releases.filter(r => all[r].scan.data);
  if (withScan.length > 1) {
    const ids = [
      ...new Set(withScan.flatMap(r => Object.keys(all[r].scan.data))),
    ].sort();
    const differing = ids.filter(
      id => new Set(withScan.map(r => all[r].scan.data[id])).size > 1,
    );
    console.log(
      `\ncheck outcomes that differ between releases: ${
        differing.length ? '' : 'none'
      }`,
    );
    for (const id of differing) {
      console.log(
        `  ${id.padEnd(44)} ${withScan
          .map(r => `${r}: ${all[r].scan.data[id] || '-'}`)
          .join('  ')}`,
      );
    }
  }
  const failures = [];
  for (const r of releases) {
    for (const s of STEPS) {
      const x = all[r][s];
      if (x.status === 'FAILED')
        failures.push(`${r} ${s}: ${x.detail}\n    log: ${x.log}`);
    }
  }
  fs.writeFileSync(
    path.join(opts.work, 'results.json'),
    `${JSON.stringify(all, null, 1)}\n`,
  );
  if (failures.length) {
    console.log(`\nFAILED:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log('\nall steps passed');
}

main().catch(e => {
  console.error(e.stack || e);
  process.exit(1);
});
