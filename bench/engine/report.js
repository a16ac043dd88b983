'use strict';

/** Renders bench/results/latest.json as the markdown of bench/results/latest.md. */

const fmt = (value, digits = 0) =>
  typeof value === 'number' && Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      })
    : '–';
const ms = value =>
  typeof value === 'number' ? `${fmt(value, value < 10 ? 1 : 0)} ms` : '–';
const mb = value => (typeof value === 'number' ? `+${fmt(value, 0)} MB` : '–');
const ratio = value =>
  typeof value === 'number' && Number.isFinite(value)
    ? `${fmt(value, value >= 100 ? 0 : value >= 10 ? 1 : 2)}×`
    : '–';
/** Plain numbers: no decimals from 100 on, two below. */
const num = value => fmt(value, Math.abs(value) >= 100 ? 0 : 2);
const heapLeft = value =>
  typeof value === 'number'
    ? `${value >= 0 ? '+' : ''}${fmt(value, 0)} MB`
    : '–';
const verdict = (value, limit) =>
  typeof value === 'number' && Number.isFinite(value)
    ? value <= limit
      ? 'met'
      : 'missed'
    : 'not measured';

const TARGETS = {
  scanRatio: 1.3,
  rescanRatio: 1.1,
  entityP95Ratio: 1.5,
  csvRssMb: 100,
  responsivenessRatio: 2,
};

function engineName(suite) {
  return suite.db === 'pg' ? 'PostgreSQL' : 'SQLite';
}

/** The incremental passes' own catalog read (in parts), measured in runs since they read so. */
function parts(measured) {
  return measured.partsBaseline
    ? `${ms(measured.partsBaseline.medianMs)} (${measured.partsBaseline.concurrentReads} at once)`
    : '–';
}

function partsRatio(measured) {
  return measured.ratio.wallTimeVsParts
    ? ratio(measured.ratio.wallTimeVsParts)
    : '–';
}

/** CPU seconds (the backend process + PostgreSQL) of the stream → the full scan (the first scan). */
function cpuCell(measured) {
  const total = cpu => (cpu ? (cpu.processMs + cpu.postgresMs) / 1000 : undefined);
  const s = value => (typeof value === 'number' ? `${fmt(value, 1)} s` : '–');
  if (!measured.baseline.cpu) return '–';
  return `${s(total(measured.baseline.cpu))} → ${s(total(measured.scan.cpu))} (${s(
    total(measured.scan.firstScanCpu),
  )})`;
}

function scanTable(suites, date) {
  const lines = [
    '| database | catalog entities (size + templates) | measured | ingestion into the catalog | catalog stream (floor) | catalog read uncompressed, as full passes read it | full scan, median (first scan into an empty store) | scan / stream (first scan / stream) | scan / uncompressed read | CPU time (backend process + PostgreSQL), stream → full scan (first scan) | findings written per scan | peak RSS growth, stream → scan (peak heap growth of the scan) | target ≤ 1.3×: full scan (first scan) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of suites) {
    const when = String(s.measuredAt ?? date).slice(0, 10);
    if (s.error) {
      lines.push(
        `| ${engineName(s)} | ${s.size} + ${
          s.templates
        } | ${when} | – | – | – | – | – | – | – | – | – | failed: ${s.error} |`,
      );
      continue;
    }
    const ing = s.catalog.ingestion;
    const ingestion = `${fmt(ing.entitiesPerSecond, 0)} entities/s (${fmt(
      ing.ms / 1000,
      0,
    )} s${
      ing.cached
        ? `; measured ${String(ing.measuredAt).slice(0, 10)}, catalog reused`
        : ''
    })`;
    const findings = (s.scan.scan.checks ?? []).reduce(
      (sum, c) => sum + (c.findings ?? 0),
      0,
    );
    lines.push(
      `| ${engineName(s)} | ${fmt(s.catalog.entitiesServed)} (${s.size} + ${
        s.templates
      }) | ${when} | ${ingestion} | ${ms(s.scan.baseline.medianMs)} | ${
        s.scan.pluginStream ? ms(s.scan.pluginStream.medianMs) : '–'
      } | ${ms(s.scan.scan.medianMs)} (${ms(s.scan.scan.firstScanMs)}) | ${ratio(
        s.scan.ratio.wallTime,
      )} (${ratio(s.scan.scan.firstScanMs / s.scan.baseline.medianMs)}) | ${
        s.scan.ratio.wallTimeVsPluginStream
          ? ratio(s.scan.ratio.wallTimeVsPluginStream)
          : '–'
      } | ${cpuCell(s.scan)} | ${fmt(findings)} | ${mb(s.scan.baseline.peakRssGrowthMb)} → ${mb(
        s.scan.scan.peakRssGrowthMb,
      )} (${mb(s.scan.scan.peakHeapGrowthMb)}) | ${verdict(
        s.scan.ratio.wallTime,
        TARGETS.scanRatio,
      )} (${verdict(
        s.scan.scan.firstScanMs / s.scan.baseline.medianMs,
        TARGETS.scanRatio,
      )}) |`,
    );
  }
  return lines.join('\n');
}

function rescanTable(suites, date) {
  const lines = [
    "| database | catalog entities | measured | entities edited (1 %) | catalog stream (floor) | catalog read as incremental passes read it (in parts, uncompressed) | rescan (incremental) | rescan / stream | rescan / read in parts | evaluated / skipped | entity-check finding rows written for the unchanged 99 % (for the edited 1 %) | deployment checks' rows marked seen | target ≤ 1.1×, 0 rows |",
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of suites.filter(x => !x.error && x.rescan)) {
    const r = s.rescan;
    const last = r.rows.perRound[r.rows.perRound.length - 1];
    const rowsMet = r.rows.findingsForUnchangedEntities === 0;
    lines.push(
      `| ${engineName(s)} | ${fmt(s.catalog.entitiesServed)} | ${String(
        s.measuredAt ?? date,
      ).slice(0, 10)} | ${fmt(r.editedPerRound)} | ${ms(
        r.baseline.medianMs,
      )} | ${parts(r)} | ${ms(r.rescan.medianMs)} | ${ratio(
        r.ratio.wallTime,
      )} | ${partsRatio(r)} | ${fmt(
        last.evaluated,
      )} / ${fmt(last.skipped)} | ${fmt(
        r.rows.findingsForUnchangedEntities,
      )} (${fmt(last.findingsForEditedEntities)}) | ${fmt(
        last.deploymentCheckFindings,
      )} | ${verdict(r.ratio.wallTime, TARGETS.rescanRatio)}; rows: ${
        rowsMet ? 'met' : 'missed'
      } |`,
    );
  }
  return lines.length > 2 ? lines.join('\n') : 'Not measured in this run.';
}

function responsivenessTable(suites, date) {
  const lines = [
    '| database | catalog entities | measured | GET /summary idle: p95 (p50; requests) | during a bare catalog stream: p95 (requests) | during a full scan: p95 (p50; max; requests) | during stream / idle p95 | during scan / idle p95 | full scan (peak RSS growth) | target ≤ 2× |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of suites.filter(x => !x.error && x.responsiveness)) {
    const r = s.responsiveness;
    lines.push(
      `| ${engineName(s)} | ${fmt(s.catalog.entitiesServed)} | ${String(
        s.measuredAt ?? date,
      ).slice(0, 10)} | ${ms(r.idle.p95)} (${ms(r.idle.p50)}; ${fmt(
        r.idle.requests,
      )}) | ${
        r.duringStream
          ? `${
              r.duringStream.p95 === null
                ? 'too short to sample'
                : ms(r.duringStream.p95)
            } (${fmt(r.duringStream.requests)})`
          : 'not measured'
      } | ${ms(r.duringScan.p95)} (${ms(r.duringScan.p50)}; ${ms(
        r.duringScan.maxMs,
      )}; ${fmt(r.duringScan.requests)}) | ${
        r.ratio.streamP95 ? ratio(r.ratio.streamP95) : ''
      } | ${ratio(r.ratio.p95)}${
        r.ratio.p95Runs?.length > 1
          ? ` (median of ${r.ratio.p95Runs.map(ratio).join(', ')})`
          : ''
      } | ${ms(
        r.scan.ms,
      )} (${mb(r.scan.peakRssGrowthMb)}) | ${verdict(
        r.ratio.p95,
        TARGETS.responsivenessRatio,
      )} |`,
    );
  }
  return lines.length > 2 ? lines.join('\n') : 'Not measured in this run.';
}

function checksTable(suite) {
  const checks = [...(suite.scan.scan.checks ?? [])].sort(
    (a, b) => b.durationMs - a.durationMs,
  );
  const lines = [
    `Time per check in the last scan (${engineName(suite)}, ${fmt(
      suite.catalog.entitiesServed,
    )} entities; entity checks share one catalog pass, deployment checks run 4 at a time):`,
    '',
    '| check | outcome | time | findings |',
    '|---|---|---|---|',
  ];
  for (const c of checks.slice(0, 12)) {
    lines.push(
      `| ${c.checkId} | ${c.outcome} | ${ms(c.durationMs)} | ${fmt(
        c.findings,
      )} |`,
    );
  }
  if (checks.length > 12) lines.push(`| … ${checks.length - 12} more | | | |`);
  return lines.join('\n');
}

function apiTable(suites) {
  const lines = [
    '| database | measurement | baseline (same run) | security-posture | ratio | target |',
    '|---|---|---|---|---|---|',
  ];
  for (const s of suites) {
    const a = s.api;
    if (!a) continue;
    const db = s.apiMeasuredAt
      ? `${engineName(s)} (${String(s.apiMeasuredAt).slice(0, 10)})`
      : engineName(s);
    const e = a.entityFindings;
    lines.push(
      `| ${db} | entity findings p50, 1 client, ${fmt(
        a.storedFindings,
      )} findings stored | catalog get-by-name ${ms(e.baseline.p50)} | ${ms(
        e.endpoint.p50,
      )} | ${ratio(e.ratio.p50)} | |`,
      `| ${db} | entity findings p95 (${fmt(
        e.endpoint.requests,
      )} requests each) | ${ms(e.baseline.p95)} | ${ms(
        e.endpoint.p95,
      )} | ${ratio(e.ratio.p95)} | ≤ 1.5×: ${verdict(
        e.ratio.p95,
        TARGETS.entityP95Ratio,
      )} |`,
    );
    for (const [label, load] of [
      [`${fmt(a.csv?.rows ?? 100_000)} open findings`, a.loadAt100k],
      [`${fmt(a.storedFindings)} findings`, a.loadAtTotal],
    ]) {
      if (!load) continue;
      const cell = run =>
        `${ms(run.p95)} (${fmt(run.rps, 1)} req/s, ${fmt(
          run.requests,
        )} requests${
          run.errors || run.non2xx
            ? `, ${fmt(run.errors + run.non2xx)} failed`
            : ''
        })`;
      lines.push(
        `| ${db} | summary p95, ${
          load.summary.connections
        } clients, ${label} | catalog entity-facets ${cell(
          load.summary.baseline,
        )} | ${cell(load.summary.endpoint)} | ${ratio(
          load.summary.ratio.p95,
        )} | |`,
        `| ${db} | findings list p95 (50 per page), ${
          load.findingsList.connections
        } clients, ${label} | catalog entity list ${cell(
          load.findingsList.baseline,
        )} | ${cell(load.findingsList.endpoint)} | ${ratio(
          load.findingsList.ratio.p95,
        )} | |`,
      );
    }
    if (a.csv) {
      lines.push(
        `| ${db} | CSV export of ${fmt(
          a.csv.rows,
        )} findings: rows/s | raw keyset read ${fmt(
          a.csv.baseline.rowsPerSecond,
        )} rows/s | ${fmt(a.csv.export.rowsPerSecond)} rows/s (${fmt(
          a.csv.export.ms / 1000,
          1,
        )} s) | ${ratio(a.csv.ratio.rowsPerSecond)} | |`,
        `| ${db} | CSV export without compression: rows/s | | ${fmt(
          a.csv.exportUncompressed.rowsPerSecond,
        )} rows/s (${fmt(a.csv.exportUncompressed.ms / 1000, 1)} s) | ${ratio(
          a.csv.ratio.uncompressedRowsPerSecond,
        )} | |`,
        `| ${db} | CSV export: peak RSS growth of the backend (heap left after GC) | raw read ${mb(
          a.csv.baseline.peakRssGrowthMb,
        )} | ${mb(a.csv.export.peakRssGrowthMb)} (${heapLeft(
          a.csv.export.retainedHeapMb,
        )}) | | < 100 MB: ${verdict(
          a.csv.export.peakRssGrowthMb,
          TARGETS.csvRssMb - 1e-9,
        )} |`,
      );
    }
  }
  return lines.length > 2
    ? lines.join('\n')
    : '_API measurements were not run._';
}

const RATE_OR_RATIO = /^(ratios?|ratio[A-Z]\w*|speedup|medianMs|\w*PerSecond)$/;

/**
 * Numeric leaves of a family result that are ratios, speed-ups, rates or medians: the key itself
 * or its parent key must say so (raw run lists are left out).
 */
function familyHighlights(value, prefix = '', parentKey = '', out = []) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (
      typeof v === 'number' &&
      (RATE_OR_RATIO.test(key) || RATE_OR_RATIO.test(parentKey))
    ) {
      out.push([name, v]);
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      familyHighlights(v, name, key, out);
    }
  }
  return out;
}

function familiesSection(families) {
  const names = Object.keys(families ?? {});
  if (!names.length) return '_Family benchmarks were not run._';
  const parts = [];
  for (const name of names) {
    const f = families[name];
    const title = f.result?.benchmark ?? name;
    const date = f.result?.date ?? f.result?.generatedAt;
    const state = !f.script
      ? 'no script in bench/' + name
      : f.exitCode === 0
      ? `ran in ${fmt(f.ms / 1000, 0)} s`
      : `script failed (exit ${f.exitCode})`;
    parts.push(
      `### ${name}: ${title}`,
      '',
      `${state}${f.stale ? '; result file is from an earlier run' : ''}${
        date ? ` — results of ${date}` : ''
      }.`,
    );
    if (f.result?.markdown) {
      parts.push('', f.result.markdown);
    } else if (f.result) {
      const rows = familyHighlights(f.result).slice(0, 20);
      if (rows.length) {
        parts.push(
          '',
          '| metric | value |',
          '|---|---|',
          ...rows.map(([k, v]) => `| ${k} | ${num(v)} |`),
        );
      }
    }
    parts.push('');
  }
  return parts.join('\n');
}

function renderMarkdown(result) {
  const m = result.machine;
  const suites = result.engine ?? [];
  const withChecks = [...suites].reverse().find(s => !s.error && s.scan);
  const sections = [
    `# security-posture benchmarks — ${result.date.slice(0, 10)}`,
    '',
    `Measured ${result.date} on ${m.cpus} × ${m.cpuModel}, ${fmt(
      m.memoryGb,
      0,
    )} GB RAM, Node ${m.node} ` +
      `(load average at the end: ${m.loadAverageAtEnd
        .map(v => fmt(v, 1))
        .join(', ')}). ` +
      `\`npm run bench\` took ${fmt(
        result.durationMs / 60000,
        1,
      )} min. Every ratio is against a baseline measured in ` +
      'the same run on the same backend; see bench/README.md for what each number means.',
    '',
    '## Full scan vs a bare paged stream of the same catalog',
    '',
    scanTable(suites, result.date),
    '',
    withChecks ? checksTable(withChecks) : '',
    '',
    '## Rescan after changing 1 % of the entities',
    '',
    rescanTable(suites, result.date),
    '',
    '## Responsiveness: GET /summary while a full scan runs',
    '',
    responsivenessTable(suites, result.date),
    '',
    '## API with many findings stored',
    '',
    apiTable(suites),
    '',
    '## Check families',
    '',
    familiesSection(result.families),
    ...(result.notes?.length
      ? ['## Notes', '', ...result.notes.map(n => `- ${n}`), '']
      : []),
  ];
  return `${sections.join('\n')}\n`;
}

module.exports = { renderMarkdown, TARGETS };
