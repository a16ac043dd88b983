import { createHash } from 'node:crypto';
import { Severity } from '@security-posture/plugin-security-posture-common';
import { TEMPLATE_RULES } from '@security-posture/static-analysis';
import { CliDiagnostic, CliFinding, ScanNote, ScanReport, SuppressedFinding } from '../report';

/** What the rules of a report are described with. */
export interface RuleInfo {
  id: string;
  title: string;
  description: string;
  remediation: string;
  defaultSeverity: Severity;
  category: string;
  docsUrl?: string;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

// GitHub code scanning reads `security-severity` (0–10) to show critical/high/medium/low.
const SECURITY_SEVERITY: Record<Severity, string | undefined> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: undefined,
};

/** The rules a SARIF log declares: checks, and the template analyser's rules one by one. */
export function ruleInfo(finding: CliFinding, checks: Map<string, Omit<RuleInfo, 'id'>>): RuleInfo {
  const check = checks.get(finding.checkId);
  const templateRule = finding.rule.startsWith(`${finding.checkId}/`)
    ? TEMPLATE_RULES[finding.rule.slice(finding.checkId.length + 1) as keyof typeof TEMPLATE_RULES]
    : undefined;
  if (templateRule) {
    return {
      id: finding.rule,
      title: templateRule.title,
      description: `${templateRule.title}. Grounded in: ${templateRule.reference}`,
      remediation: templateRule.remediation,
      defaultSeverity: templateRule.severity,
      category: finding.category,
      docsUrl: check?.docsUrl,
    };
  }
  return {
    id: finding.rule,
    title: check?.title ?? finding.title,
    description: check?.description ?? finding.title,
    remediation: check?.remediation ?? finding.remediation,
    defaultSeverity: check?.defaultSeverity ?? finding.severity,
    category: finding.category,
    docsUrl: check?.docsUrl ?? finding.docsUrl,
  };
}

/**
 * The result's identity for code scanning: the finding's fingerprint within its file and
 * document, so two files that define a template or entity of the same name never collide.
 */
export function sarifFingerprint(f: Pick<CliFinding, 'file' | 'doc' | 'fingerprint'>): string {
  return createHash('sha256')
    .update(`${f.file}\u0000${f.doc ?? ''}\u0000${f.fingerprint}`)
    .digest('hex')
    .slice(0, 32);
}

function region(f: Pick<CliFinding, 'line' | 'column' | 'endLine' | 'endColumn'>) {
  const r: Record<string, number> = {
    startLine: f.line,
    startColumn: f.column,
  };
  if (f.endLine !== undefined && f.endColumn !== undefined) {
    // SARIF regions need an end after the start.
    if (f.endLine > f.line || (f.endLine === f.line && f.endColumn > f.column)) {
      r.endLine = f.endLine;
      r.endColumn = f.endColumn;
    }
  }
  return r;
}

function result(f: CliFinding | SuppressedFinding, ruleIndex: number) {
  const properties: Record<string, unknown> = {
    severity: f.severity,
    checkId: f.checkId,
    category: f.category,
    outcome: f.outcome,
    ...(f.doc !== undefined ? { document: f.doc } : {}),
    ...(f.field ? { field: f.field } : {}),
    ...(f.entityRef ? { entityRef: f.entityRef } : {}),
    ...(f.templateStepId ? { templateStepId: f.templateStepId } : {}),
    ...(f.parameter ? { parameter: f.parameter } : {}),
    ...(f.secretKind ? { secretKind: f.secretKind } : {}),
    ...(f.referenceClass ? { referenceClass: f.referenceClass } : {}),
    ...(f.includedFile ? { includedFile: f.includedFile } : {}),
    fingerprint: f.fingerprint,
    evidence: f.evidence,
  };
  const suppression = 'suppression' in f ? f.suppression : undefined;
  return {
    ruleId: f.rule,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: `${f.title}: ${f.message}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(f.file) },
          region: region(f),
        },
        ...(f.entityRef
          ? {
              logicalLocations: [{ fullyQualifiedName: f.entityRef, kind: 'object' }],
            }
          : {}),
      },
    ],
    partialFingerprints: { 'securityPosture/v2': sarifFingerprint(f) },
    ...(suppression
      ? {
          suppressions: [
            {
              kind: 'external',
              status: 'accepted',
              justification: `${suppression.reason} (until ${suppression.expires}; ${suppression.source.file}:${suppression.source.line})`,
            },
          ],
        }
      : {}),
    properties,
  };
}

function physical(
  file: string,
  place: Pick<CliFinding, 'line' | 'column' | 'endLine' | 'endColumn'>,
) {
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(file) },
      region: region(place),
    },
  };
}

/** A diagnostic as a tool execution notification: not a result, so never an alert. */
function diagnosticNotification(d: CliDiagnostic) {
  return {
    level: d.level,
    message: { text: d.message },
    descriptor: { id: `${d.source}/${d.code}` },
    locations: [physical(d.file, d)],
    properties: {
      kind: 'diagnostic',
      code: d.code,
      source: d.source,
      ...(d.doc !== undefined ? { document: d.doc } : {}),
      ...(d.field ? { field: d.field } : {}),
      ...(d.entityRef ? { entityRef: d.entityRef } : {}),
      ...(d.templateStepId ? { templateStepId: d.templateStepId } : {}),
      ...(d.includedFile ? { includedFile: d.includedFile } : {}),
    },
  };
}

/** A located note (a remote include) as a notification of level note. */
function noteNotification(n: ScanNote & { line: number; column: number }) {
  return {
    level: 'note',
    message: { text: n.message },
    descriptor: { id: `files/${n.reason}` },
    locations: [physical(n.file, n)],
    properties: {
      kind: 'note',
      reason: n.reason,
      ...(n.doc !== undefined ? { document: n.doc } : {}),
    },
  };
}

/**
 * A SARIF 2.1.0 log for code-scanning upload. Paths are relative to the report root (the
 * repository root in CI); suppressed findings are included with their suppression, as SARIF
 * viewers expect.
 */
export function toSarif(report: ScanReport, checks: Map<string, Omit<RuleInfo, 'id'>>) {
  const all = [...report.findings, ...report.suppressed];
  const rules: RuleInfo[] = [];
  const ruleIndex = new Map<string, number>();
  for (const f of all) {
    if (ruleIndex.has(f.rule)) continue;
    ruleIndex.set(f.rule, rules.length);
    rules.push(ruleInfo(f, checks));
  }
  const skipped = report.checks.filter(c => c.outcome === 'skipped');
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            rules: rules.map(r => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.title },
              fullDescription: { text: r.description },
              help: { text: r.remediation, markdown: r.remediation },
              ...(r.docsUrl ? { helpUri: r.docsUrl } : {}),
              defaultConfiguration: { level: LEVEL[r.defaultSeverity] },
              properties: {
                tags: ['security', r.category],
                ...(SECURITY_SEVERITY[r.defaultSeverity]
                  ? {
                      'security-severity': SECURITY_SEVERITY[r.defaultSeverity],
                    }
                  : {}),
              },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: [
              ...report.diagnostics.map(diagnosticNotification),
              ...report.notes
                .filter(
                  (n): n is ScanNote & { line: number; column: number } =>
                    n.reason === 'remote-include' && n.line !== undefined && n.column !== undefined,
                )
                .map(noteNotification),
              ...skipped.map(c => ({
                level: 'note',
                message: {
                  text: `${c.checkId} skipped: ${c.reason ?? 'not run'}`,
                },
                descriptor: { id: c.checkId },
              })),
            ],
          },
        ],
        results: all.map(f => result(f, ruleIndex.get(f.rule)!)),
        properties: {
          failOn: report.failOn,
          failing: report.failing,
          failOnDiagnostics: report.failOnDiagnostics,
          diagnostics: report.summary.diagnostics,
          notes: report.summary.notes,
          notesByReason: report.summary.notesByReason,
          templates: report.templates,
        },
      },
    ],
  };
}
