#!/usr/bin/env node
/* eslint-disable no-console */
/*
 * Real-world measurement (issue 14): runs the CLI over public Backstage files collected from
 * the organisations named in manifest.json and reports how much of the output a platform
 * engineer would act on. The files themselves are never committed: collect them into a
 * corpus folder (layout in README.md) and point --corpus at it.
 *
 *   node bench/real-world/measure.js --corpus /work/corpus [--scaffolder-backend-version 4.2.0]
 *
 * Writes results.json (figures, the secret findings, the diagnostics, the triage sample with
 * its verdicts) and results.md beside this file. The sample is deterministic: the template
 * findings at low or above, ordered by a hash of (file, document, location, rule), first --sample N.
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const HERE = __dirname;
const CLI = path.resolve(HERE, '../../plugins/security-posture-cli/bin/security-posture.js');
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const SECRET_RULES = new Set([
  'catalog/leaked-secret',
  'files/secret-in-text',
  'templates/template-risk/hardcoded-secret',
]);

function args() {
  const out = { corpus: process.env.REAL_WORLD_CORPUS, sample: 70, version: undefined };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--corpus') out.corpus = argv[++i];
    else if (argv[i] === '--sample') out.sample = Number(argv[++i]);
    else if (argv[i] === '--scaffolder-backend-version') out.version = argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!out.corpus) throw new Error('--corpus <dir> (or REAL_WORLD_CORPUS) is required');
  return out;
}

function scan(dir, extra = []) {
  const result = spawnSync(
    process.execPath,
    [CLI, 'scan', '.', '--format', 'json', '--no-suppressions', '--root', '.', ...extra],
    { cwd: dir, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
  );
  if (result.status === 2 || !result.stdout) {
    throw new Error(`scan of ${dir} failed (${result.status}): ${result.stderr.slice(0, 2000)}`);
  }
  return { exitCode: result.status, report: JSON.parse(result.stdout) };
}

// A file may hold several templates with the same step ids: documents after the first are named.
const keyOf = f =>
  `${f.file}${f.doc ? `#doc${f.doc}` : ''}|${f.location ?? f.field ?? ''}|${f.rule}`;
const hash = text => crypto.createHash('sha256').update(text).digest('hex');
const countBy = (items, fn) =>
  items.reduce((acc, item) => ((acc[fn(item)] = (acc[fn(item)] ?? 0) + 1), acc), {});

function main() {
  const options = args();
  const manifest = JSON.parse(fs.readFileSync(path.join(HERE, 'manifest.json'), 'utf8'));
  const extra = options.version ? ['--scaffolder-backend-version', options.version] : [];

  // 1. The collected files as one tree.
  const filesDir = path.join(options.corpus, 'files');
  const { report } = scan(filesDir, extra);
  const templateFindings = report.findings.filter(f => f.checkId === 'templates/template-risk');
  const templates = report.templates.length;
  const mediumOrWorse = templateFindings.filter(f =>
    ['critical', 'high', 'medium'].includes(f.severity),
  ).length;
  const secretFindings = report.findings
    .filter(f => SECRET_RULES.has(f.rule) || SECRET_RULES.has(f.checkId))
    .map(f => ({ file: f.file, line: f.line, rule: f.rule, severity: f.severity, kind: f.secretKind, message: f.message }));

  // 2. Whole repositories, as `scan .` in CI would see them.
  const repos = [];
  const reposDir = path.join(options.corpus, 'repos');
  for (const name of fs.existsSync(reposDir) ? fs.readdirSync(reposDir).sort() : []) {
    const { exitCode, report: r } = scan(path.join(reposDir, name), extra);
    repos.push({
      repo: name.replace('+', '/'),
      exitCode,
      findings: countBy(r.findings, f => f.severity),
      diagnostics: r.diagnostics?.length ?? 0,
      notes: r.notes?.length ?? 0,
      failing: r.findings
        .filter(f => ['critical', 'high'].includes(f.severity))
        .map(f => `${f.severity} ${f.rule} ${f.file}:${f.line}`),
    });
  }

  // 3. The triage sample and its verdicts (written by hand in triage.json).
  const triagePath = path.join(HERE, 'triage.json');
  const triage = fs.existsSync(triagePath)
    ? JSON.parse(fs.readFileSync(triagePath, 'utf8'))
    : { verdicts: {}, secrets: {} };
  const verdicts = triage.verdicts ?? {};
  // Every secret finding is judged: is it a placeholder?
  for (const finding of secretFindings) {
    const judged = triage.secrets?.[`${finding.file}:${finding.line}|${finding.rule}`];
    finding.verdict = judged?.verdict;
  }
  const sample = templateFindings
    .filter(f => f.severity !== 'info')
    .map(f => ({ key: keyOf(f), order: hash(keyOf(f)), f }))
    .sort((a, b) => (a.order < b.order ? -1 : 1))
    .slice(0, options.sample)
    .map(({ key, f }) => ({
      key,
      severity: f.severity,
      message: f.message,
      verdict: verdicts[key]?.verdict,
      note: verdicts[key]?.note,
    }));
  const judged = sample.filter(s => s.verdict);
  const tally = countBy(judged, s => s.verdict);

  const figures = {
    measuredAt: new Date().toISOString(),
    corpus: {
      collectedAt: manifest.collectedAt,
      files: manifest.files.length,
      repositories: new Set(manifest.files.map(f => f.repo)).size,
      wholeRepositories: manifest.repositories.length,
    },
    scaffolderBackendVersion: options.version ?? 'unknown',
    templates,
    templateFindings: {
      total: templateFindings.length,
      bySeverity: Object.fromEntries(
        SEVERITIES.map(s => [s, templateFindings.filter(f => f.severity === s).length]),
      ),
      byRule: countBy(templateFindings, f => `${f.rule.split('/').pop()}/${f.severity}`),
      mediumOrWorsePerTemplate: templates ? +(mediumOrWorse / templates).toFixed(2) : 0,
    },
    secretFindings: {
      total: secretFindings.length,
      judged: secretFindings.filter(f => f.verdict).length,
      placeholders: secretFindings.filter(f => f.verdict === 'placeholder').length,
      list: secretFindings,
    },
    diagnostics: {
      total: report.diagnostics?.length ?? 0,
      byCode: countBy(report.diagnostics ?? [], d => d.code),
      list: (report.diagnostics ?? []).map(d => `${d.code} ${d.file}:${d.line} ${d.message}`),
    },
    notes: countBy(report.notes ?? [], n => n.reason),
    repositories: repos,
    triage: {
      sampled: sample.length,
      judged: judged.length,
      verdicts: tally,
      truePositiveRate: judged.length ? +((tally.true ?? 0) / judged.length).toFixed(2) : null,
      falsePositiveRate: judged.length ? +((tally.false ?? 0) / judged.length).toFixed(2) : null,
      sample,
    },
  };
  fs.writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify(figures, null, 2)}\n`);
  fs.writeFileSync(path.join(HERE, 'results.md'), markdown(figures));
  console.log(markdown(figures));
}

function markdown(r) {
  const t = r.templateFindings;
  const lines = [
    `# Real-world measurement (${r.measuredAt.slice(0, 10)})`,
    '',
    `Corpus: ${r.corpus.files} files from ${r.corpus.repositories} public repositories (collected ${r.corpus.collectedAt.slice(0, 10)}), plus ${r.corpus.wholeRepositories} whole repositories. Scaffolder-backend version: ${r.scaffolderBackendVersion}.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| templates analysed | ${r.templates} |`,
    `| template findings (critical/high/medium/low/info) | ${SEVERITIES.map(s => t.bySeverity[s]).join(' / ')} |`,
    `| medium-or-worse template findings per template | ${t.mediumOrWorsePerTemplate} |`,
    `| secret findings (judged / placeholders among them) | ${r.secretFindings.total} (${r.secretFindings.judged} / ${r.secretFindings.placeholders}) |`,
    `| diagnostics | ${r.diagnostics.total} ${JSON.stringify(r.diagnostics.byCode)} |`,
    `| files/documents skipped with a note | ${JSON.stringify(r.notes)} |`,
    `| triage sample (judged/sampled) | ${r.triage.judged}/${r.triage.sampled} |`,
    `| triage verdicts | ${JSON.stringify(r.triage.verdicts)} (true ${r.triage.truePositiveRate}, false ${r.triage.falsePositiveRate}) |`,
    '',
    '## `scan .` on whole repositories (default --fail-on high)',
    '',
    '| repository | exit | findings | diagnostics | notes |',
    '|---|---|---|---|---|',
    ...r.repositories.map(
      x => `| ${x.repo} | ${x.exitCode} | ${JSON.stringify(x.findings)} | ${x.diagnostics} | ${x.notes} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

main();
