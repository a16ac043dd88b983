import { JsonValue } from '@backstage/types';
import {
  compareSeverity,
  Severity,
  SEVERITIES,
} from '@security-posture/plugin-security-posture-common';
import { FindingFactory, KUBERNETES_MANIFEST_CHECK_IDS } from '@security-posture/checks';
import { NoteReason } from './classify';
import {
  ADVISORY_CHECK_ID,
  BACKEND_ONLY_CHECKS,
  CLI_CHECKS,
  CONFIG_ONLY_CHECKS,
  SUPPRESSION_EXPIRED_CHECK,
  TEMPLATE_CHECK_ID,
} from './cliChecks';
import { InputFile } from './files';
import { CliDiagnostic, CliFinding, REPORT_SCHEMA_VERSION, ScanNote, ScanReport } from './report';
import { ScanSession } from './scanSession';
import { applySuppressions, Suppression } from './suppressions';

/** Checks that did not run say why. */
export function noteUnrunChecks(session: ScanSession, inputs: InputFile[]) {
  for (const [checkId, resolved] of session.resolved) {
    if (BACKEND_ONLY_CHECKS[checkId]) {
      session.tracker.skip(checkId, `needs a running backend: ${BACKEND_ONLY_CHECKS[checkId]}`);
    } else if (KUBERNETES_MANIFEST_CHECK_IDS.includes(checkId)) {
      // Run once over every Kubernetes object of the scan (kubernetesManifests.ts), if any.
      session.tracker.record(checkId, [], 0);
    } else if (checkId === TEMPLATE_CHECK_ID) {
      session.tracker.note(checkId, 'run for every kind: Template document');
      session.tracker.record(checkId, [], 0);
    } else if (checkId === ADVISORY_CHECK_ID) {
      if (!inputs.some(i => i.type === 'lockfile' || i.type === 'manifest')) {
        session.tracker.note(checkId, 'no lockfile or package.json given');
      }
      session.tracker.record(checkId, [], 0);
    } else if (resolved.check.scope === 'entity' || CONFIG_ONLY_CHECKS.has(checkId)) {
      session.tracker.record(checkId, [], 0);
    } else if (checkId === SUPPRESSION_EXPIRED_CHECK.id) {
      session.tracker.record(checkId, session.options.suppressionsFile ? ['pass'] : [], 0);
    } else if (CLI_CHECKS.some(c => c.id === checkId)) {
      // The file checks looked at every file: with no finding, they passed.
      session.tracker.record(checkId, session.files.length ? ['pass'] : [], 0);
    } else {
      session.tracker.skip(checkId, 'not classified for CLI mode (see docs/cli.md)');
    }
  }
}

/**
 * The report: every text masked of the run's secrets, suppressions applied, stable order.
 * `includedBy` (included file → the file including it) explains what else reads as skipped.
 */
export function buildReport(
  session: ScanSession,
  suppressions: Suppression[],
  includedBy: Map<string, string>,
  advisorySources: ScanReport['advisorySources'] = [],
): ScanReport {
  const { options } = session;
  // Every secret of the run is known now: mask it wherever an earlier text may still hold it.
  const findings = session.findings.map(f => scrubFinding(session.factory, f));
  const outcome = applySuppressions(findings, suppressions, options.now);
  const kept = [...outcome.kept];
  const expiredResolved = session.enabled(SUPPRESSION_EXPIRED_CHECK.id);
  for (const s of outcome.expired) {
    if (!expiredResolved) break;
    const what = s.fingerprint
      ? `fingerprint ${s.fingerprint}`
      : `${s.rule} at ${s.file ?? s.entityRef}${s.line ? `:${s.line}` : ''}`;
    const finding = session.factory.fromResult(
      SUPPRESSION_EXPIRED_CHECK,
      expiredResolved.severity,
      {
        outcome: 'fail',
        target: { type: 'deployment' },
        location: `${s.source.file}#${what}`,
        message: `The suppression of ${what} expired on ${s.expires} (reason given: ${s.reason}); what it covered is reported again`,
        evidence: { expires: s.expires ?? '', reason: s.reason },
      },
    );
    kept.push(
      session.toCli(finding, {
        file: s.source.file,
        span: { start: { line: s.source.line, column: 1 } },
      }),
    );
  }
  if (outcome.expired.length) {
    session.tracker.record(
      SUPPRESSION_EXPIRED_CHECK.id,
      outcome.expired.map(() => 'fail'),
      outcome.expired.length,
    );
  }
  const order = (a: CliFinding, b: CliFinding) =>
    compareSeverity(a.severity, b.severity) ||
    a.file.localeCompare(b.file) ||
    (a.doc ?? 0) - (b.doc ?? 0) ||
    a.line - b.line ||
    a.column - b.column ||
    a.rule.localeCompare(b.rule);
  kept.sort(order);
  const failOnRank = options.failOn === 'none' ? -1 : SEVERITIES.indexOf(options.failOn);
  const failing = kept.filter(f => SEVERITIES.indexOf(f.severity) <= failOnRank).length;
  const bySeverity = Object.fromEntries(SEVERITIES.map(s => [s, 0])) as Record<Severity, number>;
  for (const f of kept) bySeverity[f.severity] += 1;
  const diagnostics = session.diagnostics
    .map(d => scrubDiagnostic(session.factory, d))
    .sort(
      (a, b) =>
        a.file.localeCompare(b.file) ||
        (a.doc ?? 0) - (b.doc ?? 0) ||
        a.line - b.line ||
        a.column - b.column ||
        a.message.localeCompare(b.message),
    );
  const notes = session.notes
    .map((n): ScanNote => {
      const by = includedBy.get(n.file);
      if (by && n.doc === undefined && n.reason !== 'remote-include') {
        return {
          reason: 'included-file',
          file: n.file,
          message: `${n.file}: included by ${by} ($yaml/$json/$text) and analysed as part of it`,
        };
      }
      return { ...n, message: session.factory.scrub(n.message) };
    })
    .sort((a, b) => a.file.localeCompare(b.file) || (a.doc ?? -1) - (b.doc ?? -1));
  const notesByReason: Partial<Record<NoteReason, number>> = {};
  for (const n of notes) notesByReason[n.reason] = (notesByReason[n.reason] ?? 0) + 1;
  const describe = (s: Suppression) => ({
    ...(s.rule ? { rule: s.rule } : {}),
    ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}),
    kind: s.kind,
    reason: session.factory.scrub(s.reason),
    ...(s.expires ? { expires: s.expires } : {}),
    ...(s.ticket ? { ticket: session.factory.scrub(s.ticket) } : {}),
    source: s.source,
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'security-posture', version: options.version },
    generatedAt: options.now.toISOString(),
    root: options.root,
    failOn: options.failOn,
    failing,
    failOnDiagnostics: options.failOnDiagnostics ?? false,
    files: session.files,
    configFiles: session.configSources.map(s => s.file),
    findings: kept,
    suppressed: outcome.suppressed
      .map(({ finding, by }) => ({
        ...finding,
        suppression: {
          kind: by.kind,
          reason: session.factory.scrub(by.reason),
          ...(by.expires ? { expires: by.expires } : {}),
          ...(by.ticket ? { ticket: session.factory.scrub(by.ticket) } : {}),
          source: by.source,
        },
      }))
      .sort(order),
    templates: session.templates.map(t =>
      t.title ? { ...t, title: session.factory.scrub(t.title) } : t,
    ),
    diagnostics,
    notes,
    checks: session.tracker.list(),
    advisorySources: advisorySources.map(a =>
      a.error ? { ...a, error: session.factory.scrub(a.error) } : a,
    ),
    suppressions: {
      ...(options.suppressionsFile ? { file: session.display(options.suppressionsFile) } : {}),
      expired: outcome.expired.map(describe),
      unused: outcome.unused.map(describe),
    },
    summary: {
      findings: kept.length,
      suppressed: outcome.suppressed.length,
      bySeverity,
      diagnostics: diagnostics.length,
      notes: notes.length,
      notesByReason,
    },
  };
}

function scrubFinding(factory: FindingFactory, finding: CliFinding): CliFinding {
  const keep = new Set(['fingerprint', 'checkId', 'rule', 'category', 'severity', 'outcome']);
  const scrubbed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(finding)) {
    if (typeof value === 'string' && !keep.has(key)) scrubbed[key] = factory.scrub(value);
    else if (key === 'evidence') scrubbed[key] = factory.scrubJson(value as JsonValue);
    else scrubbed[key] = value;
  }
  return scrubbed as unknown as CliFinding;
}

function scrubDiagnostic(factory: FindingFactory, diagnostic: CliDiagnostic): CliDiagnostic {
  const scrubbed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(diagnostic)) {
    scrubbed[key] = typeof value === 'string' ? factory.scrub(value) : value;
  }
  return scrubbed as unknown as CliDiagnostic;
}
