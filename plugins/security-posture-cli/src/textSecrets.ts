import {
  CATALOG_SECRET_KINDS,
  CatalogSecretKind,
} from '@security-posture/plugin-security-posture-common';
import { CheckResult, redactSecret } from '@security-posture/plugin-security-posture-node';
import { SecretMatch } from '@security-posture/static-analysis';
import { TEXT_SECRET_CHECK } from './cliChecks';
import { ScanSession } from './scanSession';
import { YamlSource } from './yamlSource';

function secretLabel(kind: string): string {
  return CATALOG_SECRET_KINDS[kind as CatalogSecretKind]?.label ?? kind;
}

/** The document holding an offset; comments before a document belong to it. */
function documentAt(source: YamlSource, offset: number): number | undefined {
  const doc = source.documents.find(d => offset < d.document.range[2]);
  return doc?.index ?? source.documents[source.documents.length - 1]?.index;
}

/** The text-secret check: secrets found in a file's raw text, wherever they sit. */
export class TextSecretReporter {
  /** Raw-text secret hits, reported once every include is known (see reportPending). */
  private readonly pending: Array<{
    absolute: string;
    file: string;
    text: string;
    raw: SecretMatch[];
    covered: Array<[number, number]>;
    source: YamlSource | undefined;
  }> = [];

  constructor(private readonly session: ScanSession) {}

  /** A file's hits wait until every include is known: a later file may include this one. */
  defer(
    absolute: string,
    file: string,
    text: string,
    raw: SecretMatch[],
    covered: Array<[number, number]>,
    source: YamlSource | undefined,
  ) {
    if (!raw.length) this.report(file, text, raw, covered, source);
    else this.pending.push({ absolute, file, text, raw, covered, source });
  }

  /** Raw-text secrets last: a file included by an entity ($yaml) was inspected by its checks. */
  reportPending(includedCoverage: Map<string, Array<[number, number]>>) {
    for (const pending of this.pending) {
      const covered = [...pending.covered, ...(includedCoverage.get(pending.absolute) ?? [])];
      this.report(pending.file, pending.text, pending.raw, covered, pending.source);
    }
  }

  /** Secrets in the raw text, except inside fields the entity checks already inspected. */
  report(
    file: string,
    text: string,
    matches: SecretMatch[],
    covered: Array<[number, number]>,
    source: YamlSource | undefined,
  ) {
    const { session } = this;
    const resolved = session.enabled(TEXT_SECRET_CHECK.id);
    if (!resolved) return;
    const lineStarts: number[] = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    const positionAt = (offset: number) => {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      return {
        line: lo + 1,
        column: offset - lineStarts[lo] + 1,
        lineStart: lineStarts[lo],
      };
    };
    const occurrences = new Map<string, number>();
    let reported = 0;
    for (const match of matches) {
      if (covered.some(([from, to]) => match.start >= from && match.start < to)) continue;
      const start = positionAt(match.start);
      const end = positionAt(match.end);
      const before = text.slice(start.lineStart, match.start);
      const failedDocument = source?.documents.find(
        d => d.error && match.start >= d.document.range[0] && match.start < d.document.range[2],
      );
      let where =
        'in text that no entity check inspects (a key, a config file, a non-entity document)';
      if (failedDocument) where = 'in a YAML document that cannot be parsed';
      else if (/(?:^|\s)#/.test(before)) where = 'in a comment';
      else if (!source) where = 'in the file text';
      const label = secretLabel(match.kind);
      // Named by the secret's fingerprint: stable when lines move, distinct per secret.
      const { fingerprint } = redactSecret(match.value, session.options.fingerprintKey);
      const base = `${file}#${match.kind}@${fingerprint}`;
      const n = (occurrences.get(base) ?? 0) + 1;
      occurrences.set(base, n);
      const result: CheckResult = {
        outcome: 'fail',
        target: { type: 'deployment' },
        location: n === 1 ? base : `${base}:${n}`,
        title: match.example ? `Documentation example ${label} in file` : `${label} in file text`,
        message: match.example
          ? `${file}:${start.line}:${start.column} holds a well-known documentation example ${label} ${where}; not a live credential`
          : `${file}:${start.line}:${start.column} holds a ${label} ${where}`,
        severity: match.severity,
        evidence: {
          file,
          line: start.line,
          classification: match.example ? 'example' : 'secret',
          basis: match.basis,
        },
        secret: { value: match.value, kind: match.kind },
      };
      session.add(session.factory.fromResult(TEXT_SECRET_CHECK, resolved.severity, result), {
        file,
        ...(source ? { doc: documentAt(source, match.start) } : {}),
        span: {
          start: { line: start.line, column: start.column },
          end: { line: end.line, column: end.column },
        },
      });
      reported += 1;
    }
    session.tracker.record(TEXT_SECRET_CHECK.id, [reported ? 'fail' : 'pass'], reported);
  }
}
