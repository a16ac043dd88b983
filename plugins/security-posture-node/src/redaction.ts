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

// Secrets are looked up by their first PREFIX characters; shorter ones are checked one by one.
const PREFIX = 4;
const HEAD_BUCKETS = 1 << 16;

function headOf(text: string, at: number) {
  return ((text.charCodeAt(at) * 31) ^ text.charCodeAt(at + 1)) & (HEAD_BUCKETS - 1);
}

/**
 * Scrubs texts of a growing set of secrets in time linear in the text, whatever the number of
 * secrets (a large catalog yields hundreds, and every finding's texts are scrubbed). Scans the
 * text once: at each position the longest secret starting there is replaced by its mask.
 */
export class SecretScrubber {
  private readonly byPrefix = new Map<string, string[]>();
  /**
   * A bit per hash of the first two characters of every indexed secret: the test run at each
   * position of each text, so it must be cheap (false positives only cost a map lookup).
   */
  private readonly heads = new Uint8Array(HEAD_BUCKETS);
  private readonly short = new Set<string>();
  private readonly masks = new Map<string, string>();

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  get size() {
    return this.masks.size;
  }

  add(secret: string) {
    if (!secret || this.masks.has(secret)) return;
    this.masks.set(secret, redactSecret(secret).mask);
    if (secret.length < PREFIX) {
      this.short.add(secret);
      return;
    }
    const prefix = secret.slice(0, PREFIX);
    const list = this.byPrefix.get(prefix) ?? [];
    list.push(secret);
    // Longest first, so the longest secret at a position wins.
    list.sort((a, b) => b.length - a.length);
    this.byPrefix.set(prefix, list);
    this.heads[headOf(secret, 0)] = 1;
  }

  scrub(text: string): string {
    if (this.masks.size === 0 || !text) return text;
    let out = '';
    let copiedUpTo = 0;
    const last = text.length - PREFIX;
    for (let i = 0; i <= last; i++) {
      if (this.heads[headOf(text, i)] === 0) continue;
      const candidates = this.byPrefix.get(text.slice(i, i + PREFIX));
      if (!candidates) continue;
      const secret = candidates.find(s => text.startsWith(s, i));
      if (!secret) continue;
      out += text.slice(copiedUpTo, i) + this.masks.get(secret)!;
      i += secret.length - 1;
      copiedUpTo = i + 1;
    }
    const result = copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
    return this.short.size ? scrubSecrets(result, this.short) : result;
  }
}
