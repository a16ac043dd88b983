import {
  CatalogSecretKind,
  Severity,
} from '@security-posture/plugin-security-posture-common';

// What every detector of `secretDetectors.ts` shares: the match types and the guarded regex scan.

/** Why a match is believed. */
export type SecretBasis =
  | 'format'
  | 'checksum'
  | 'key-name'
  | 'inline-assignment'
  | 'url-credentials';

/** A secret found inside one string. */
export interface SecretMatch {
  kind: CatalogSecretKind;
  /** The secret itself: only this part is masked; the text around it is not secret. */
  value: string;
  /** Offsets of `value` in the inspected string. */
  start: number;
  end: number;
  severity: Severity;
  /**
   * Always false: placeholders and documentation examples are not returned at all (see
   * `placeholders.ts`). Kept so that callers written against the older contract still compile.
   * @deprecated
   */
  example: false;
  basis: SecretBasis;
  /** For formats with a built-in checksum. */
  checksum?: 'valid' | 'invalid';
}

/** Where the string sits, for key-name context. */
export interface DetectionContext {
  /** The nearest key: annotation/label key, spec property name. */
  key?: string;
  /** Field path, e.g. `spec.datadog.apiKey`: vendor words may sit in parent keys. */
  path?: string;
  /** The object holding the string, e.g. a parsed service-account JSON. */
  parent?: Record<string, unknown>;
}

export interface Candidate extends Omit<SecretMatch, 'severity' | 'example'> {
  /** Lower wins when two candidates overlap. */
  priority: number;
  /** For credentials in URLs: the host and user name, which can say "example". */
  host?: string;
  user?: string;
}

/**
 * Literals that every match of a pattern contains (case-sensitively): where none occurs, the
 * pattern cannot match and is not run. A substring search is far cheaper than a regex scan that
 * starts with a lookbehind, and most strings contain none of them.
 */
export const REQUIRED_LITERALS = new Map<RegExp, string[]>();

/** Runs a global regex over `text`; each match yields a candidate or nothing. */
export function scan(
  text: string,
  pattern: RegExp,
  toCandidate: (match: RegExpExecArray) => Candidate | undefined,
  out: Candidate[],
) {
  const required = REQUIRED_LITERALS.get(pattern);
  if (required && !required.some(literal => text.includes(literal))) return;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const candidate = toCandidate(m);
    if (candidate) out.push(candidate);
    if (m[0].length === 0) pattern.lastIndex += 1;
  }
}
