import { createHash, createHmac } from 'node:crypto';

/** How a detected secret is shown and stored: never the value itself. */
export interface RedactedSecret {
  /**
   * The secret's public format prefix, if it has one, and its length, e.g. `AKIA…(20 chars)`,
   * `ghp_…(40 chars)`; a secret without a known format shows no character at all, e.g.
   * `…(40 chars)` for an AWS secret access key or a password. See {@link publicSecretPrefix}.
   */
  mask: string;
  /**
   * 16 hex digits of HMAC-SHA-256 under the installation's key (`hmac:`), or of a plain SHA-256
   * (`sha256:`) when no key is given (tests, offline tools). Stable, so the same secret is
   * recognised across entities and scans; keyed, so a short secret cannot be brute-forced back
   * from the fingerprint without the key.
   */
  fingerprint: string;
}

/**
 * Secret formats with a prefix that the issuer publishes (the same for every secret of the
 * format, so showing it reveals nothing of the secret). The whole value must have the format's
 * shape, not just start with the prefix: a password that happens to start with `ghp_` shows
 * nothing. Group 1 is the prefix shown. Every pattern is linear: anchored at both ends, a
 * literal prefix, then character classes that never overlap what follows them.
 */
const PUBLIC_PREFIX_FORMATS: readonly RegExp[] = [
  // AWS access key ids: long-term (AKIA), temporary (ASIA), and the two rarer kinds.
  /^(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}$/,
  // GitHub: classic personal, OAuth, user-to-server, server-to-server, refresh; fine-grained.
  /^(gh[pousr]_)[A-Za-z0-9]{30,255}$/,
  /^(github_pat_)[A-Za-z0-9_]{22,255}$/,
  // GitLab: personal, deploy, runner, trigger, feed, SCIM, CI job, OAuth application secrets.
  /^((?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt|gloas)-)[0-9A-Za-z_.-]{20,400}$/,
  // Slack: bot, user, workspace-access, refresh, config tokens; app-level tokens.
  /^(xox[abprse]-|xapp-)[0-9A-Za-z-]{10,400}$/,
  // Stripe secret and restricted keys.
  /^((?:sk|rk)_(?:live|test)_)[0-9A-Za-z]{16,255}$/,
  // Google API keys.
  /^(AIza)[0-9A-Za-z_-]{35}$/,
  // npm access tokens.
  /^(npm_)[A-Za-z0-9]{36}$/,
  // SendGrid API keys.
  /^(SG\.)[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{16,128}$/,
  // HashiCorp Vault: service, batch, recovery tokens; the legacy service tokens (`s.`).
  /^(hv[sbr]\.)[A-Za-z0-9_-]{20,255}$/,
  /^(s\.)[A-Za-z0-9]{24}$/,
  // PEM private keys: the header line names the key type.
  /^(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----)[^]+$/,
  // JSON Web Tokens: `eyJ` is base64url of `{"`, the start of every JWT header.
  /^(eyJ)[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/,
];

/**
 * The public format prefix of a secret (`AKIA`, `ghp_`, `xoxb-`, `sk_live_`, `SG.`, `hvs.`,
 * `-----BEGIN RSA PRIVATE KEY-----`, `eyJ`, ...), or `''` for a secret without a known format
 * (AWS secret access keys, passwords, hex or base64 keys, URL passwords, webhook secrets).
 */
export function publicSecretPrefix(value: string): string {
  for (const format of PUBLIC_PREFIX_FORMATS) {
    const match = format.exec(value);
    if (match) return match[1];
  }
  return '';
}

/**
 * Masks a secret: its public format prefix, if it has one, and its length; no other character
 * of the value, whatever its length. The one place masks are made (the engine's FindingFactory
 * and the scrubbers below use it).
 */
export function redactSecret(value: string, key?: string): RedactedSecret {
  const mask = `${publicSecretPrefix(value)}…(${value.length} chars)`;
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
// The scrubber remembers at most this many texts of at most this length (a few MB at most).
const MAX_REMEMBERED_TEXTS = 4096;
const MAX_REMEMBERED_TEXT = 512;

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
  /**
   * Texts already scrubbed with the secrets known now: findings repeat their titles, messages
   * and evidence across entities, so a scan scrubs the same text many times. Emptied whenever a
   * secret is added (an answer made before it would leave it unmasked).
   */
  private readonly scrubbed = new Map<string, string>();

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  get size() {
    return this.masks.size;
  }

  add(secret: string) {
    if (!secret || this.masks.has(secret)) return;
    this.scrubbed.clear();
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
    if (text.length > MAX_REMEMBERED_TEXT) return this.scrubText(text);
    let result = this.scrubbed.get(text);
    if (result === undefined) {
      result = this.scrubText(text);
      if (this.scrubbed.size >= MAX_REMEMBERED_TEXTS) this.scrubbed.clear();
      this.scrubbed.set(text, result);
    }
    return result;
  }

  private scrubText(text: string): string {
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
