import { Severity, SEVERITIES } from '@security-posture/plugin-security-posture-common';
import { CliFinding, ScanReport } from '../report';

const COLORS: Record<Severity, string> = {
  critical: '\u001b[1;31m',
  high: '\u001b[31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  info: '\u001b[2m',
};
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';
const MAX_MESSAGE = 300;
const MAX_DIAGNOSTICS = 50;

function truncate(text: string) {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

function pad(text: string, width: number) {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

// Findings come from files that anyone may have written: no terminal control characters.
function printable(text: string) {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) ? ' ' : ch;
  }
  return out;
}

/** A report for people: findings grouped by file, template scores, summary, skipped checks. */
export function toTable(report: ScanReport, options: { color: boolean }): string {
  const paint = (code: string, text: string) => (options.color ? `${code}${text}${RESET}` : text);
  const lines: string[] = [];
  const byFile = new Map<string, CliFinding[]>();
  for (const f of report.findings) {
    const list = byFile.get(f.file) ?? [];
    list.push(f);
    byFile.set(f.file, list);
  }
  for (const [file, findings] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(paint('\u001b[1m', printable(file)));
    findings.sort((a, b) => (a.doc ?? 0) - (b.doc ?? 0) || a.line - b.line || a.column - b.column);
    for (const f of findings) {
      const where = pad(`${f.doc ? `doc ${f.doc} ` : ''}${f.line}:${f.column}`, 12);
      const severity = paint(COLORS[f.severity], pad(f.severity, 8));
      const subject = [f.entityRef, f.templateStepId && `step ${f.templateStepId}`, f.parameter]
        .filter(Boolean)
        .join(', ');
      lines.push(
        `  ${where} ${severity} ${pad(f.rule, 40)} ${printable(f.title)}${
          subject ? paint(DIM, ` (${printable(subject)})`) : ''
        }`,
      );
      const message = printable(f.message);
      lines.push(
        `  ${' '.repeat(12)} ${' '.repeat(8)} ${paint(
          DIM,
          message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
        )}`,
      );
    }
    lines.push('');
  }
  if (report.templates.length) {
    lines.push(paint('\u001b[1m', 'Template risk scores'));
    for (const t of [...report.templates].sort((a, b) => b.score - a.score)) {
      lines.push(
        `  ${pad(String(t.score), 4)} ${pad(t.band, 9)} ${pad(
          printable(t.entityRef),
          50,
        )} ${printable(t.file)}${t.doc ? ` (doc ${t.doc})` : ''}`,
      );
    }
    lines.push('');
  }
  if (report.diagnostics.length) {
    lines.push(paint('\u001b[1m', 'Diagnostics (not findings: what could not be read as written)'));
    const shown = report.diagnostics.slice(0, MAX_DIAGNOSTICS);
    for (const d of shown) {
      const where = `${d.file}:${d.line}:${d.column}${
        d.includedFile ? ` (in ${d.includedFile})` : ''
      }`;
      lines.push(`  ${pad(d.level, 8)} ${printable(where)}  ${printable(truncate(d.message))}`);
    }
    if (report.diagnostics.length > shown.length) {
      lines.push(
        paint(
          DIM,
          `  … and ${report.diagnostics.length - shown.length} more (see the JSON or SARIF report)`,
        ),
      );
    }
    lines.push('');
  }
  const counts = SEVERITIES.filter(s => report.summary.bySeverity[s])
    .map(s => `${report.summary.bySeverity[s]} ${s}`)
    .join(', ');
  lines.push(
    `${report.summary.findings} finding(s)${counts ? ` (${counts})` : ''} in ${
      report.files.length
    } file(s); ${report.summary.suppressed} suppressed`,
  );
  lines.push(
    `${report.summary.diagnostics} diagnostic(s)${
      report.failOnDiagnostics
        ? ' (failing the run: --fail-on-diagnostics)'
        : ' (they do not fail the run)'
    }`,
  );
  if (report.summary.notes) {
    const reasons = Object.entries(report.summary.notesByReason)
      .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ');
    lines.push(
      paint(
        DIM,
        `${report.summary.notes} file(s) or document(s) skipped as not Backstage entities or noted (${reasons})`,
      ),
    );
  }
  for (const s of report.suppressions.expired) {
    lines.push(
      paint(
        COLORS.medium,
        `Expired suppression (${s.expires}) at ${s.source.file}:${s.source.line}: it no longer suppresses`,
      ),
    );
  }
  for (const s of report.suppressions.unused) {
    lines.push(`Unused suppression at ${s.source.file}:${s.source.line}: it matches no finding`);
  }
  const skippedFor = new Map<string, string[]>();
  for (const c of report.checks.filter(check => check.outcome === 'skipped')) {
    // Grouped by the reason's head: "needs a running backend: probes …" → "needs a running backend".
    const reason = (c.reason ?? 'not run').split(':')[0];
    skippedFor.set(reason, [...(skippedFor.get(reason) ?? []), c.checkId]);
  }
  for (const [reason, ids] of skippedFor) {
    lines.push(paint(DIM, `Skipped (${reason}): ${ids.join(', ')}`));
  }
  lines.push(
    report.failOn === 'none'
      ? 'Not failing on any severity (--fail-on none)'
      : `${report.failing} finding(s) at or above ${report.failOn}`,
  );
  return `${lines.join('\n')}\n`;
}
