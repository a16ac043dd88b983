#!/usr/bin/env node
/*
 * Checks which @backstage/* symbols our published sources import (scripts/compat/list-backstage-imports.js) are
 * missing from the type declarations of one release's packages, and for each missing one finds the first version of
 * the package that exports it.
 *
 *   node scripts/compat/check-api.js 1.45.0 [--json]
 *   node scripts/compat/check-api.js 1.45.0 --history   # also: the first version of every imported symbol
 *
 * Versions come from scripts/compat/releases/<release>.json; packages are fetched with `npm pack` into
 * <tmpdir>/security-posture-compat/registry-cache (kept between runs). Only the existence of exports (and of
 * `coreServices.<name>` members) is checked; signature differences show up in the compat harness's `tsc` step.
 */
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { collect } = require('./list-backstage-imports');
const { cmp } = require('./release-versions');

const cacheDir = path.join(
  os.tmpdir(),
  'security-posture-compat',
  'registry-cache',
);

function unpack(name, version) {
  const dir = path.join(cacheDir, `${name.replace('/', '+')}-${version}`);
  if (!fs.existsSync(path.join(dir, 'package', 'package.json'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const out = execFileSync(
      'npm',
      ['pack', `${name}@${version}`, '--json', '--pack-destination', dir],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const [packed] = JSON.parse(out);
    execFileSync('tar', ['-xzf', path.join(dir, packed.filename), '-C', dir]);
  }
  return path.join(dir, 'package');
}

function typesFile(pkgDir, subpath) {
  const pj = JSON.parse(
    fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'),
  );
  const key = subpath ? `./${subpath}` : '.';
  const exp = pj.exports && pj.exports[key];
  const candidates = [];
  if (exp && typeof exp === 'object' && exp.types) candidates.push(exp.types);
  if (!subpath) candidates.push(pj.types || pj.typings || 'dist/index.d.ts');
  const tv =
    pj.typesVersions && pj.typesVersions['*'] && pj.typesVersions['*'][subpath];
  if (tv) candidates.push(...tv);
  if (subpath) candidates.push(`dist/${subpath}.d.ts`);
  for (const c of candidates) {
    const p = path.join(pkgDir, c);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Exported names of a .d.ts file (following relative `export * from`), and its text. */
function exportsOf(file, seen = new Set()) {
  const names = new Set();
  let text = '';
  if (!file || seen.has(file)) return { names, text };
  seen.add(file);
  text = fs.readFileSync(file, 'utf8');
  let m;
  const blockRe = /export\s+(?:type\s+)?\{([^}]*)\}/g;
  while ((m = blockRe.exec(text))) {
    for (const part of m[1].split(',')) {
      const p = part.trim().replace(/^type\s+/, '');
      if (!p) continue;
      const as = p.split(/\s+as\s+/);
      names.add((as[1] || as[0]).trim());
    }
  }
  const declRe =
    /export\s+(?:declare\s+)?(?:abstract\s+)?(?:const|let|var|function|class|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/g;
  while ((m = declRe.exec(text))) names.add(m[1]);
  const starRe = /export\s+\*\s+from\s+['"](\.[^'"]+)['"]/g;
  while ((m = starRe.exec(text))) {
    let target = path.resolve(path.dirname(file), m[1]);
    if (!target.endsWith('.d.ts'))
      target = fs.existsSync(`${target}.d.ts`)
        ? `${target}.d.ts`
        : path.join(target, 'index.d.ts');
    const sub = exportsOf(target, seen);
    sub.names.forEach(n => names.add(n));
    text += `\n${sub.text}`;
  }
  return { names, text };
}

/** Members of the `coreServices` namespace/const in backend-plugin-api's declarations. */
function coreServiceMembers(text) {
  const members = new Set();
  const start = text.search(/declare (?:namespace|const) coreServices\b/);
  if (start < 0) return members;
  // The declaration is a balanced {...} block after the name.
  const open = text.indexOf('{', start);
  let depth = 0;
  let end = open;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) {
        end = i;
        break;
      }
    }
  }
  const body = text.slice(open + 1, end);
  // top-level members only: strip nested blocks
  let flat = '';
  depth = 0;
  for (const ch of body) {
    if (ch === '{' || ch === '<' || ch === '(') depth++;
    if (depth === 0) flat += ch;
    if (ch === '}' || ch === '>' || ch === ')') depth--;
  }
  const re =
    /(?:^|[;,\n])\s*(?:\/\*\*[\s\S]*?\*\/\s*)?(?:const\s+|readonly\s+)?([A-Za-z_$][\w$]*)\s*:/g;
  let m;
  while ((m = re.exec(flat))) members.add(m[1]);
  return members;
}

function has(pkgDir, subpath, symbol) {
  const { names, text } = exportsOf(typesFile(pkgDir, subpath));
  if (symbol.startsWith('coreServices.'))
    return coreServiceMembers(text).has(symbol.slice('coreServices.'.length));
  return names.has(symbol);
}

function splitModule(mod) {
  const parts = mod.split('/');
  return { name: `${parts[0]}/${parts[1]}`, subpath: parts.slice(2).join('/') };
}

function stableVersions(name) {
  const out = execFileSync('npm', ['view', name, 'versions', '--json'], {
    encoding: 'utf8',
  });
  return JSON.parse(out)
    .filter(v => /^\d+\.\d+\.\d+$/.test(v))
    .sort(cmp);
}

/** First version in (from, to] that exports the symbol (binary search; assumes it stays once added). */
function firstVersionWith(name, subpath, symbol, from, to) {
  const versions = stableVersions(name).filter(
    v => cmp(v, from) > 0 && cmp(v, to) <= 0,
  );
  let lo = 0;
  let hi = versions.length - 1;
  let found;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (has(unpack(name, versions[mid]), subpath, symbol)) {
      found = versions[mid];
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return found;
}

function main() {
  const release = process.argv[2];
  if (!release) {
    console.error('usage: check-api.js <release> [--json]');
    process.exit(2);
  }
  const pins = JSON.parse(
    fs.readFileSync(
      path.join(__dirname, 'releases', `${release}.json`),
      'utf8',
    ),
  ).pins;
  const latest = JSON.parse(
    fs.readFileSync(path.join(__dirname, 'releases', '1.55.0.json'), 'utf8'),
  ).pins;
  const imports = collect();
  const missing = [];
  let checked = 0;
  for (const mod of Object.keys(imports).sort()) {
    const { name, subpath } = splitModule(mod);
    const version = pins[name];
    if (!version) {
      missing.push({
        module: mod,
        symbol: '*',
        version: '-',
        note: `${name} is not in the ${release} set`,
      });
      continue;
    }
    const dir = unpack(name, version);
    if (!typesFile(dir, subpath)) {
      missing.push({
        module: mod,
        symbol: '*',
        version,
        note: `no type declarations for ${mod}`,
      });
      continue;
    }
    for (const symbol of Object.keys(imports[mod]).sort()) {
      checked++;
      if (!has(dir, subpath, symbol)) {
        const first = latest[name]
          ? firstVersionWith(name, subpath, symbol, version, latest[name])
          : undefined;
        missing.push({
          module: mod,
          symbol,
          version,
          firstVersion: first,
          files: imports[mod][symbol],
        });
      }
    }
  }
  let history;
  if (process.argv.includes('--history')) {
    history = [];
    for (const mod of Object.keys(imports).sort()) {
      const { name, subpath } = splitModule(mod);
      if (!latest[name]) continue;
      const oldest = stableVersions(name)[0];
      for (const symbol of Object.keys(imports[mod]).sort()) {
        const first = has(unpack(name, oldest), subpath, symbol)
          ? `<=${oldest}`
          : firstVersionWith(name, subpath, symbol, oldest, latest[name]);
        history.push({
          module: mod,
          symbol,
          firstVersion: first,
          inRelease: pins[name],
        });
      }
    }
  }
  if (process.argv.includes('--json')) {
    console.log(
      JSON.stringify({ release, checked, missing, history }, null, 1),
    );
    return;
  }
  console.log(
    `${checked} imported symbols checked against Backstage ${release}; ${missing.length} missing:`,
  );
  for (const m of missing) {
    console.log(
      `- ${m.symbol} (${m.module}; ${release} has ${m.version}; first in ${
        m.firstVersion || '?'
      })${m.note ? ` ${m.note}` : ''}\n    used in ${(m.files || []).join(
        ', ',
      )}`,
    );
  }
  if (history) {
    console.log(
      '\nfirst version (of those in this registry) that exports each imported symbol:',
    );
    for (const h of history)
      console.log(
        `${h.module}\t${h.symbol}\t${h.firstVersion || '?'}\t(${release}: ${
          h.inRelease
        })`,
      );
  }
}

if (require.main === module) main();
