import {
  EXEMPTION_KINDS,
  ExemptionKind,
} from '@security-posture/plugin-security-posture-common';
import { UsageError } from './files';
import { CliFinding } from './report';
import { parseYamlSource, spanOfField } from './yamlSource';

/**
 * One committed suppression: a rule at a location (a file, optionally a document and a line, an
 * entity, a config key path, or every entity of a kind), or one finding by fingerprint; always
 * with a reason. The same fields as the portal's exemptions (`security-posture exemptions export`
 * writes them): a kind, an expiry (required for accepted risks) and a ticket link.
 */
export interface Suppression {
  rule?: string;
  file?: string;
  doc?: number;
  line?: number;
  entityRef?: string;
  /** A config key path, e.g. `backend.cors.origin` (a portal exemption of a check on it). */
  configPath?: string;
  /** Every entity of a kind, lower case (a portal exemption of a check on a kind). */
  entityKind?: string;
  fingerprint?: string;
  /** Default `accepted-risk`. */
  kind: ExemptionKind;
  reason: string;
  /**
   * `YYYY-MM-DD`: suppresses through that day (UTC), not after. Required for accepted risks;
   * without it a suppression does not expire.
   */
  expires?: string;
  /** An http(s) link to the ticket that tracks the decision. */
  ticket?: string;
  /** The portal exemption this entry was exported from. */
  exemption?: string;
  /** Where the entry is written. */
  source: { file: string; line: number };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const KNOWN_FIELDS = new Set([
  'rule',
  'file',
  'doc',
  'line',
  'entityRef',
  'configPath',
  'entityKind',
  'fingerprint',
  'kind',
  'reason',
  'expires',
  'ticket',
  'exemption',
]);

function validDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text;
}

/**
 * Reads a suppressions file. Anything malformed is a usage error: a suppression that silently
 * does nothing (or too much) is worse than a failed run.
 */
export function parseSuppressions(text: string, file: string): Suppression[] {
  const source = parseYamlSource(text);
  const first = source.documents[0];
  if (!first) return [];
  if (first.error) {
    throw new UsageError(`${file}: not valid YAML: ${first.error.message}`);
  }
  const root = first.value as { suppressions?: unknown } | null | undefined;
  if (root === null || root === undefined) return [];
  if (typeof root !== 'object' || Array.isArray(root) || !Array.isArray(root.suppressions)) {
    throw new UsageError(`${file}: expected a mapping with a 'suppressions' list`);
  }
  return root.suppressions.map((entry: unknown, i: number): Suppression => {
    const where = `${file}: suppressions[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new UsageError(`${where}: expected a mapping`);
    }
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!KNOWN_FIELDS.has(key)) throw new UsageError(`${where}: unknown field '${key}'`);
    }
    const optionalString = (key: string) => {
      if (e[key] === undefined) return undefined;
      if (typeof e[key] !== 'string' || !(e[key] as string).trim()) {
        throw new UsageError(`${where}: '${key}' must be a non-empty string`);
      }
      return (e[key] as string).trim();
    };
    const optionalInteger = (key: string, min: number) => {
      if (e[key] === undefined) return undefined;
      if (!Number.isInteger(e[key]) || (e[key] as number) < min) {
        throw new UsageError(`${where}: '${key}' must be an integer of at least ${min}`);
      }
      return e[key] as number;
    };
    const reason = optionalString('reason');
    if (!reason) throw new UsageError(`${where}: a reason is required`);
    const kind = (optionalString('kind') ?? 'accepted-risk') as ExemptionKind;
    if (!EXEMPTION_KINDS.includes(kind)) {
      throw new UsageError(`${where}: 'kind' must be one of ${EXEMPTION_KINDS.join(', ')}`);
    }
    // YAML reads an unquoted 2026-03-31 as a string here (the core schema has no timestamps).
    const expires = optionalString('expires');
    if (expires !== undefined && !validDate(expires)) {
      throw new UsageError(`${where}: 'expires' must be a date YYYY-MM-DD`);
    }
    if (kind === 'accepted-risk' && !expires) {
      throw new UsageError(`${where}: 'expires' is required for an accepted risk, as a date YYYY-MM-DD`);
    }
    const ticket = optionalString('ticket');
    if (ticket !== undefined && !/^https?:\/\/\S+$/i.test(ticket)) {
      throw new UsageError(`${where}: 'ticket' must be an http(s) link`);
    }
    const suppression: Suppression = {
      rule: optionalString('rule'),
      file: optionalString('file')?.replace(/\\/g, '/').replace(/^\.\//, ''),
      doc: optionalInteger('doc', 0),
      line: optionalInteger('line', 1),
      entityRef: optionalString('entityRef')?.toLocaleLowerCase('en-US'),
      configPath: optionalString('configPath'),
      entityKind: optionalString('entityKind')?.toLocaleLowerCase('en-US'),
      fingerprint: optionalString('fingerprint'),
      kind,
      reason,
      expires,
      ticket,
      exemption: optionalString('exemption'),
      source: {
        file,
        line: spanOfField(source, first.document, `suppressions[${i}]`).start.line,
      },
    };
    const located =
      suppression.file !== undefined ||
      suppression.entityRef !== undefined ||
      suppression.configPath !== undefined ||
      suppression.entityKind !== undefined;
    if (!suppression.fingerprint && !(suppression.rule && located)) {
      throw new UsageError(
        `${where}: give a 'fingerprint', or a 'rule' with a 'file' (optionally 'doc', 'line'), an 'entityRef', a 'configPath' or an 'entityKind'`,
      );
    }
    if ((suppression.doc !== undefined || suppression.line !== undefined) && !suppression.file) {
      throw new UsageError(`${where}: 'doc' and 'line' need a 'file'`);
    }
    return suppression;
  });
}

/** Whether a suppression has expired on the given day (UTC); one without expiry never does. */
export function isExpired(suppression: Suppression, now: Date): boolean {
  return suppression.expires !== undefined && now.toISOString().slice(0, 10) > suppression.expires;
}

function matches(s: Suppression, f: CliFinding): boolean {
  if (s.fingerprint && s.fingerprint !== f.fingerprint) return false;
  if (s.rule && s.rule !== f.rule && s.rule !== f.checkId) return false;
  if (s.file !== undefined && s.file !== f.file) return false;
  if (s.doc !== undefined && s.doc !== f.doc) return false;
  if (s.line !== undefined && s.line !== f.line) return false;
  if (s.entityRef !== undefined && s.entityRef !== f.entityRef) return false;
  if (s.configPath !== undefined && (f.entityRef !== undefined || s.configPath !== f.field)) {
    return false;
  }
  if (
    s.entityKind !== undefined &&
    (f.entityRef === undefined || s.entityKind !== f.entityKind?.toLocaleLowerCase('en-US'))
  ) {
    return false;
  }
  return true;
}

export interface SuppressionOutcome {
  kept: CliFinding[];
  suppressed: Array<{ finding: CliFinding; by: Suppression }>;
  expired: Suppression[];
  unused: Suppression[];
}

/** Applies the suppressions that have not expired; expired ones suppress nothing. */
export function applySuppressions(
  findings: CliFinding[],
  suppressions: Suppression[],
  now: Date,
): SuppressionOutcome {
  const expired = suppressions.filter(s => isExpired(s, now));
  const active = suppressions.filter(s => !isExpired(s, now));
  const used = new Set<Suppression>();
  const kept: CliFinding[] = [];
  const suppressed: SuppressionOutcome['suppressed'] = [];
  for (const finding of findings) {
    const by = active.find(s => matches(s, finding));
    if (by) {
      used.add(by);
      suppressed.push({ finding, by });
    } else {
      kept.push(finding);
    }
  }
  return { kept, suppressed, expired, unused: active.filter(s => !used.has(s)) };
}
