import { createHash, createHmac } from 'node:crypto';

/** How a detected secret is shown and stored: never the value itself. */
export interface RedactedSecret {
  /** A few leading characters for recognition, the rest elided, e.g. `AKIA…(20 chars)`. */
  mask: string;
  /**
   * 16 hex digits of HMAC-SHA-256 under the installation's key (`hmac:`), or of a plain SHA-256
   * (`sha256:`) when no key is given (tests, offline tools). Stable, so the same secret is
   * recognised across entities and scans; keyed, so a short secret cannot be brute-forced back
   * from the fingerprint without the key.
   */
  fingerprint: string;
}

/** Masks a secret. Short values reveal nothing; long ones at most 4 leading characters. */
export function redactSecret(value: string, key?: string): RedactedSecret {
  let shown = 0;
  if (value.length >= 16) shown = 4;
  else if (value.length >= 10) shown = 2;
  const mask = `${value.slice(0, shown)}…(${value.length} chars)`;
  const fingerprint = key
    ? `hmac:${createHmac('sha256', key).update(value).digest('hex').slice(0, 16)}`
    : `sha256:${createHash('sha256').update(`security-posture:${value}`).digest('hex').slice(0, 16)}`;
  return { mask, fingerprint };
}

/** Replaces every occurrence of each secret in `text` by its mask. Split/join: no regex, linear. */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && result.includes(secret)) {
      result = result.split(secret).join(redactSecret(secret).mask);
    }
  }
  return result;
}
