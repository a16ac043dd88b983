import {
  AuditRecord,
  buildDetectionRules,
  DetectionEvaluator,
  detectionFinding,
  DetectionRule,
  DetectionSettings,
  DetectionWindow,
  parseAuditLogLine,
} from '@security-posture/static-analysis';
import {
  Severity,
  SEVERITIES,
  severityRank,
} from '@security-posture/plugin-security-posture-common';
import { CliFinding, REPORT_SCHEMA_VERSION, ScanReport } from './report';
import { RuleInfo } from './format/sarif';

/** One exported log: its name as reports show it and its text (JSON lines). */
export interface AuditLogInput {
  file: string;
  text: string;
}

export interface DetectionRun {
  report: ScanReport;
  /** Audit events read, and lines skipped by reason (not JSON, not an audit event, no time). */
  events: number;
  skipped: Record<string, number>;
}

type Located = { record: AuditRecord; file: string; line: number };

/**
 * The live engine's rules over exported auditor logs: events of every file in time order (file
 * and line order for equal times), one finding per hit, located at the line of the event that
 * made the rule fire. The report has the shape of `scan`'s, so JSON, SARIF and CSV render alike.
 */
export function detectInLogs(options: {
  logs: AuditLogInput[];
  settings: DetectionSettings;
  memberships: Map<string, string[]>;
  failOn: Severity | 'none';
  now: Date;
  version: string;
  root: string;
}): DetectionRun {
  const rules = buildDetectionRules(options.settings);
  const evaluator = new DetectionEvaluator(rules);
  const skipped: Record<string, number> = {};
  const located: Located[] = [];
  for (const log of options.logs) {
    log.text.split(/\r?\n/).forEach((text, i) => {
      if (!text.trim()) return;
      const parsed = parseAuditLogLine(text);
      if (parsed.type === 'record')
        located.push({ record: parsed.record, file: log.file, line: i + 1 });
      else skipped[parsed.reason] = (skipped[parsed.reason] ?? 0) + 1;
    });
  }
  // Array.prototype.sort is stable: equal times keep file and line order.
  located.sort((a, b) => a.record.at - b.record.at);

  const state = new Map<string, DetectionWindow>();
  const findings: CliFinding[] = [];
  for (const { record, file, line } of located) {
    for (const hit of evaluator.evaluate(record, state, options.memberships)) {
      const finding = detectionFinding(hit);
      findings.push({
        fingerprint: finding.fingerprint,
        checkId: finding.checkId,
        rule: finding.checkId,
        category: finding.category,
        severity: finding.severity,
        outcome: 'fail',
        title: finding.title,
        message: finding.message,
        file,
        line,
        column: 1,
        evidence: finding.evidence,
        remediation: finding.remediation,
      });
    }
  }
  findings.sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  const failing =
    options.failOn === 'none'
      ? 0
      : findings.filter(
          f =>
            severityRank(f.severity) <=
            severityRank(options.failOn as Severity),
        ).length;
  const bySeverity = Object.fromEntries(SEVERITIES.map(s => [s, 0])) as Record<
    Severity,
    number
  >;
  for (const f of findings) bySeverity[f.severity]++;

  const report: ScanReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'security-posture', version: options.version },
    generatedAt: options.now.toISOString(),
    root: options.root,
    failOn: options.failOn,
    failing,
    failOnDiagnostics: false,
    files: [],
    configFiles: [],
    findings,
    suppressed: [],
    templates: [],
    diagnostics: [],
    notes: [],
    checks: rules.map(rule => {
      const count = findings.filter(
        f => f.checkId === `detections/${rule.id}`,
      ).length;
      return {
        checkId: `detections/${rule.id}`,
        outcome: count ? 'fail' : 'pass',
        findings: count,
      };
    }),
    advisorySources: [],
    suppressions: { expired: [], unused: [] },
    summary: {
      findings: findings.length,
      suppressed: 0,
      bySeverity,
      diagnostics: 0,
      notes: 0,
      notesByReason: {},
    },
  };
  return { report, events: located.length, skipped };
}

/** SARIF rule descriptions of the detection rules. */
export function detectionRuleDescriptions(
  rules: DetectionRule[],
): Map<string, Omit<RuleInfo, 'id'>> {
  return new Map(
    rules.map(rule => [
      `detections/${rule.id}`,
      {
        title: rule.title,
        description: rule.description,
        remediation: rule.remediation,
        defaultSeverity: rule.severity,
        category: 'detections',
      },
    ]),
  );
}
