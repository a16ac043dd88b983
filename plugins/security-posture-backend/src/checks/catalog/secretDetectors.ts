import { Severity } from '@security-posture/plugin-security-posture-common';

/** A secret found inside a string. */
export interface SecretMatch {
  kind: string;
  /** The secret itself (only this part is masked; the surrounding text is not secret). */
  value: string;
  severity: Severity;
  /** Documentation example values are reported as informational `example`s. */
  example?: boolean;
}

interface Detector {
  kind: string;
  severity: Severity;
  /** Global, linear-time pattern (no nested quantifiers, bounded repetitions). */
  pattern: RegExp;
  /** Which capture group holds the secret; 0 = whole match. */
  group?: number;
  /** Rejects shapes that are not secrets (placeholders, masks). */
  accept?(secret: string): boolean;
}

// Values published in vendor documentation as examples.
const DOCUMENTATION_EXAMPLES = new Set([
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
]);

const PLACEHOLDER = /^(?:\$\{[^}]{0,200}\}|\{\{[^}]{0,200}\}\}|<[^>]{0,100}>|\*+|x+|X+|\.\.\.)$/;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || /^(?:changeme|password|secret|example|redacted|none|null)$/i.test(value);
}

const DETECTORS: Detector[] = [
  { kind: 'aws-access-key-id', severity: 'high', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  {
    kind: 'github-token',
    severity: 'critical',
    pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{82}\b/g,
  },
  {
    kind: 'slack-webhook',
    severity: 'high',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32}/g,
  },
  {
    kind: 'private-key',
    severity: 'critical',
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/g,
  },
  {
    kind: 'url-credentials',
    severity: 'high',
    // scheme://user:password@host — the password is the secret
    pattern: /\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/[^\s:/@]{1,128}:([^\s@/]{1,256})@[^\s/@]/g,
    group: 1,
    accept: secret => !isPlaceholder(secret),
  },
];

/** Finds secrets in one string value. Linear in the length of the value. */
export function detectSecrets(value: string): SecretMatch[] {
  const matches: SecretMatch[] = [];
  for (const detector of DETECTORS) {
    detector.pattern.lastIndex = 0;
    for (const match of value.matchAll(detector.pattern)) {
      const secret = match[detector.group ?? 0];
      if (!secret || (detector.accept && !detector.accept(secret))) continue;
      const example = DOCUMENTATION_EXAMPLES.has(secret);
      matches.push({
        kind: detector.kind,
        value: secret,
        severity: example ? 'info' : detector.severity,
        example: example || undefined,
      });
    }
  }
  return matches;
}
