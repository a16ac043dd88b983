#!/usr/bin/env node
/*
 * Compiles the bundled advisory dataset (data/backstage-advisories.json) for every package the
 * installations we know carry: each name@version of the repository's lockfile (backend, app,
 * tooling) and of the demo app's fixture lockfile, plus any --lockfile given.
 *
 * Sources, each tried and its outcome written into the dataset's `compiledFrom`:
 *  1. npm: the registry's bulk advisory endpoint, the one `npm audit` uses
 *     (`POST <registry>/-/npm/v1/security/advisories/bulk`, installed versions per name);
 *  2. osv: OSV's API (`POST /v1/querybatch`, then `GET /v1/vulns/{id}`), `--osv off` to skip;
 *  3. records: `--records <dir>`, a folder of OSV-format JSON records (OSV's npm export, or
 *     GitHub advisory-database files), matched here by package name.
 * Every advisory that names an installed package is kept, with all its ranges for the installed
 * packages (not only those the installed versions fall in: the dataset also serves other
 * installations). OSV events become npm ranges with the checks' own conversion
 * (src/plugins/osvRecords.ts); a range with an invalid version is dropped and reported. Rows
 * already in the dataset (the verified Backstage rows) are kept as they are; new rows carry an
 * `origin` naming the record they were read from and its `modified` time.
 * Run data/scripts/verify-advisories.js afterwards: it verifies every row against the registry.
 *
 * Usage: node data/scripts/compile-advisories.js [--registry URL] [--osv URL|off]
 *          [--records DIR] [--lockfile FILE]... [--date YYYY-MM-DD] [--dry-run]
 */
const fs = require('node:fs');
const path = require('node:path');
// The conversion of OSV records is the checks' own TypeScript, loaded as is.
require('sucrase/register/ts');
const semver = require('semver');
const { advisoryFromOsv } = require('../../src/plugins/osvRecords.ts');

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const datasetFile = path.resolve(__dirname, '..', 'backstage-advisories.json');

function args() {
  const out = { lockfiles: [], registry: 'https://registry.npmjs.org', osv: 'https://api.osv.dev' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 1) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--registry') out.registry = value.replace(/\/+$/, '');
    else if (key === '--osv') out.osv = value === 'off' ? undefined : value.replace(/\/+$/, '');
    else if (key === '--records') out.records = path.resolve(value);
    else if (key === '--lockfile') out.lockfiles.push(path.resolve(value));
    else if (key === '--date') out.date = value;
    else if (key === '--dry-run') {
      out.dryRun = true;
      continue;
    } else throw new Error(`unknown argument ${key}`);
    i += 1;
  }
  return out;
}

/** name → installed versions, from npm lockfiles v2/v3. */
function installedVersions(lockfiles) {
  const installed = new Map();
  for (const file of lockfiles) {
    const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const [at, entry] of Object.entries(lock.packages ?? {})) {
      if (!at.includes('node_modules/') || entry.link || !semver.valid(entry.version)) continue;
      const name = entry.name ?? at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
      if (!installed.has(name)) installed.set(name, new Set());
      installed.get(name).add(entry.version);
    }
  }
  return installed;
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30000),
  });
  if (!response.ok) throw new Error(`${new URL(url).origin} answered ${response.status}`);
  return response.json();
}

/** OSV records from the npm bulk endpoint's answer shape (ranges only, no events). */
async function fromNpmBulk(registry, installed) {
  const records = [];
  const names = [...installed.keys()];
  for (let i = 0; i < names.length; i += 500) {
    const body = Object.fromEntries(names.slice(i, i + 500).map(n => [n, [...installed.get(n)]]));
    const answer = await postJson(`${registry}/-/npm/v1/security/advisories/bulk`, body);
    for (const [name, list] of Object.entries(answer)) {
      for (const item of list) records.push({ npmBulk: { name, ...item } });
    }
  }
  return records;
}

async function fromOsv(base, installed) {
  const queries = [];
  for (const [name, versions] of installed) {
    for (const version of versions) queries.push({ package: { name, ecosystem: 'npm' }, version });
  }
  const ids = new Set();
  for (let i = 0; i < queries.length; i += 1000) {
    let batch = queries.slice(i, i + 1000);
    while (batch.length) {
      const answer = await postJson(`${base}/v1/querybatch`, { queries: batch });
      const next = [];
      for (const [j, result] of answer.results.entries()) {
        for (const v of result.vulns ?? []) ids.add(v.id);
        if (result.next_page_token) next.push({ ...batch[j], page_token: result.next_page_token });
      }
      batch = next;
    }
  }
  const records = [];
  for (const id of ids) {
    const response = await fetch(`${base}/v1/vulns/${encodeURIComponent(id)}`, {
      signal: AbortSignal.timeout(30000),
    });
    if (!response.ok) throw new Error(`${base} answered ${response.status} for ${id}`);
    records.push({ osv: await response.json(), readFrom: `${base}/v1/vulns/${id}` });
  }
  return records;
}

function fromRecords(dir) {
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.json'))
    .sort()
    .map(f => {
      const osv = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      // `x_read_from` (optional): where the record was read, for the row's origin.
      return { osv, readFrom: osv.x_read_from ?? f };
    });
}

/** A dataset row from one record, restricted to installed packages; notes what was dropped. */
function rowOf(record, installed, notes) {
  if (record.npmBulk) {
    const item = record.npmBulk;
    const ghsa = /GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/i.exec(item.url ?? '')?.[0];
    return {
      id: ghsa ? `GHSA-${ghsa.slice(5).toLowerCase()}` : `npm:${item.id}`,
      aliases: ghsa ? [`npm:${item.id}`] : [],
      severity: item.severity === 'moderate' ? 'medium' : item.severity,
      summary: item.title ?? '',
      url: item.url,
      affected: [{ package: item.name, ranges: [{ vulnerable: item.vulnerable_versions }] }],
      origin: { source: 'npm bulk advisories', record: item.url ?? String(item.id) },
    };
  }
  const advisory = advisoryFromOsv(record.osv, 'records');
  const affected = [];
  for (const a of advisory.affected) {
    if (!installed.has(a.package)) continue;
    const ranges = a.ranges.filter(r => {
      const valid =
        semver.validRange(r.vulnerable, { includePrerelease: true }) !== null &&
        (!r.patched || semver.valid(r.patched) !== null);
      if (!valid)
        notes.push(`${advisory.id} ${a.package}: dropped invalid range '${r.vulnerable}'`);
      return valid;
    });
    if (!ranges.length) continue;
    const known = affected.find(x => x.package === a.package);
    if (known) known.ranges.push(...ranges);
    else affected.push({ package: a.package, ranges });
  }
  if (!affected.length) return undefined;
  return {
    id: advisory.id,
    aliases: advisory.aliases,
    severity: advisory.severity,
    publishedAt: advisory.publishedAt?.slice(0, 10),
    summary: advisory.summary,
    url: advisory.url,
    affected,
    origin: { source: 'OSV record', record: record.readFrom, modified: record.osv.modified },
  };
}

async function main() {
  const options = args();
  const lockfiles = [
    path.join(repoRoot, 'package-lock.json'),
    path.join(repoRoot, 'dev/fixtures/plugins/app/package-lock.json'),
    ...options.lockfiles,
  ];
  const installed = installedVersions(lockfiles);
  const copies = [...installed.values()].reduce((n, v) => n + v.size, 0);
  const compiledFrom = [];
  const records = [];
  const attempt = async (source, run) => {
    try {
      const found = await run();
      records.push(...found);
      compiledFrom.push({ source, status: 'answered', records: found.length });
    } catch (e) {
      compiledFrom.push({ source, status: 'failed', error: e.cause?.code ?? e.message });
    }
  };
  await attempt(`npm bulk advisories ${options.registry}`, () =>
    fromNpmBulk(options.registry, installed),
  );
  if (options.osv) await attempt(`OSV ${options.osv}`, () => fromOsv(options.osv, installed));
  if (options.records) {
    await attempt(`OSV-format records in ${path.basename(options.records)}/`, async () =>
      fromRecords(options.records),
    );
  }

  const notes = [];
  const dataset = JSON.parse(fs.readFileSync(datasetFile, 'utf8'));
  const rows = new Map(dataset.advisories.map(a => [a.id, a]));
  let added = 0;
  for (const record of records) {
    const row = rowOf(record, installed, notes);
    if (!row) {
      const id = record.osv?.id ?? record.npmBulk?.url;
      notes.push(`${id}: names no installed package (or only invalid ranges), not added`);
      continue;
    }
    const existing = rows.get(row.id);
    if (existing && !existing.origin) {
      // A curated row (verified by hand, with fix commits) is not replaced by a compiled one.
      notes.push(`${row.id}: curated row kept`);
      continue;
    }
    if (existing) {
      // A compiled row is replaced by the newer compile, keeping its verification until re-run.
      Object.assign(existing, row);
      continue;
    }
    rows.set(row.id, row);
    dataset.advisories.push(row);
    added += 1;
  }
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  dataset.compiledAt = date;
  dataset.compiledFrom = compiledFrom;
  dataset.coverage = {
    lockfiles: lockfiles.map(f => path.relative(repoRoot, f)),
    packages: installed.size,
    installedVersions: copies,
    packagesWithAdvisories: new Set(dataset.advisories.flatMap(a => a.affected.map(x => x.package)))
      .size,
  };
  const modified = dataset.advisories
    .map(a => a.origin?.modified)
    .filter(Boolean)
    .sort();
  if (modified.length) dataset.recordsModifiedUpTo = modified[modified.length - 1].slice(0, 10);
  dataset.compileNotes = notes;
  for (const c of compiledFrom)
    console.log(`${c.source}: ${c.status}${c.error ? ` (${c.error})` : ` (${c.records} records)`}`);
  for (const note of notes) console.log(`note: ${note}`);
  console.log(
    `${installed.size} packages (${copies} versions) in ${lockfiles.length} lockfiles; ${added} advisories added, ${dataset.advisories.length} in all`,
  );
  if (!options.dryRun) fs.writeFileSync(datasetFile, `${JSON.stringify(dataset, null, 2)}\n`);
  if (!compiledFrom.some(c => c.status === 'answered')) process.exitCode = 1;
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
