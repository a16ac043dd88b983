import {
  CATALOG_SECRET_KINDS,
  CatalogSecretKind,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { hasValidCrc32Checksum, hasValidFineGrainedChecksum } from './checksums';
import { isPasswordKeyName, isSecretKeyName, keyName, sharedKeyWords, vendorOf } from './keyNames';
import { placeholderReason, PlaceholderReason } from './placeholders';
import { containsSubstitution, isPlaceholder, looksRandom, notSecretShape } from './valueShapes';

// Every pattern below is linear-time on hostile input: a literal prefix followed by single
// bounded character classes, or a single unbounded class that cannot fail once it started (so
// a failed attempt never rescans a run). Structures (PEM blocks, JWTs, URL authorities) are
// parsed by hand after a cheap anchor is found.

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

interface Candidate extends Omit<SecretMatch, 'severity' | 'example'> {
  /** Lower wins when two candidates overlap. */
  priority: number;
  /** For credentials in URLs: the host and user name, which can say "example". */
  host?: string;
  user?: string;
}

const TOKEN_CHARS = /[A-Za-z0-9_-]/;

function boundedBefore(text: string, index: number) {
  return index === 0 || !TOKEN_CHARS.test(text[index - 1]);
}

/**
 * Literals that every match of a pattern contains (case-sensitively): where none occurs, the
 * pattern cannot match and is not run. A substring search is far cheaper than a regex scan that
 * starts with a lookbehind, and most strings contain none of them.
 */
const REQUIRED_LITERALS = new Map<RegExp, string[]>();

/** Runs a global regex over `text`; each match yields a candidate or nothing. */
function scan(
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

// --- prefixed tokens -----------------------------------------------------------------------

const AWS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])/g;
const GITHUB_CLASSIC = /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,76}(?![A-Za-z0-9_])/g;
const GITHUB_FINE_GRAINED =
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/g;
const GITLAB =
  /(?<![A-Za-z0-9_-])(?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt|gloas)-[0-9A-Za-z_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?(?![A-Za-z0-9_-])/g;
const SLACK_TOKEN = /(?<![A-Za-z0-9-])xox[abprse]-\d{8,15}-[0-9A-Za-z-]{8,200}(?![A-Za-z0-9-])/g;
const SLACK_WEBHOOK =
  /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/T[A-Z0-9]{6,12}\/[A-Z0-9]{6,14}\/([A-Za-z0-9]{16,48})(?![A-Za-z0-9])/g;
const STRIPE = /(?<![A-Za-z0-9_])(sk|rk)_(live|test)_[0-9A-Za-z]{20,247}(?![A-Za-z0-9_])/g;
const GOOGLE_API_KEY = /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g;
const NPM_TOKEN = /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g;
const SENDGRID = /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const VAULT_TOKEN = /(?<![A-Za-z0-9_.-])hv[sbr]\.[A-Za-z0-9_-]{24,255}(?![A-Za-z0-9_-])/g;
const AZURE_ACCOUNT_KEY = /AccountKey=([A-Za-z0-9+/]{86}==)/g;

REQUIRED_LITERALS.set(AWS_KEY_ID, ['AKIA', 'ASIA', 'ABIA', 'ACCA']);
REQUIRED_LITERALS.set(GITHUB_CLASSIC, ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']);
REQUIRED_LITERALS.set(GITHUB_FINE_GRAINED, ['github_pat_']);
REQUIRED_LITERALS.set(GITLAB, [
  'glpat-',
  'gldt-',
  'glrt-',
  'glptt-',
  'glft-',
  'glsoat-',
  'glcbt-',
  'gloas-',
]);
REQUIRED_LITERALS.set(SLACK_TOKEN, ['xox']);
REQUIRED_LITERALS.set(SLACK_WEBHOOK, ['https://hooks.slack.com/']);
REQUIRED_LITERALS.set(STRIPE, ['k_live_', 'k_test_']);
REQUIRED_LITERALS.set(GOOGLE_API_KEY, ['AIza']);
REQUIRED_LITERALS.set(NPM_TOKEN, ['npm_']);
REQUIRED_LITERALS.set(SENDGRID, ['SG.']);
REQUIRED_LITERALS.set(VAULT_TOKEN, ['hvs.', 'hvb.', 'hvr.']);
REQUIRED_LITERALS.set(AZURE_ACCOUNT_KEY, ['AccountKey=']);

// --- structures ----------------------------------------------------------------------------

const PEM_HEADER =
  /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;
const PEM_MAX_LENGTH = 16_384;
const PEM_MIN_BODY = 64;
const SERVICE_ACCOUNT_JSON = /"type"\s{0,8}:\s{0,8}"service_account"/;
REQUIRED_LITERALS.set(PEM_HEADER, ['-----BEGIN ']);

/** Any literal of the patterns that {@link findPrefixedTokens} runs: an alternation of literals. */
const ANY_PREFIX_LITERAL = new RegExp(
  [
    AWS_KEY_ID,
    GITHUB_CLASSIC,
    GITHUB_FINE_GRAINED,
    NPM_TOKEN,
    GITLAB,
    SLACK_TOKEN,
    SLACK_WEBHOOK,
    STRIPE,
    GOOGLE_API_KEY,
    SENDGRID,
    VAULT_TOKEN,
    AZURE_ACCOUNT_KEY,
    PEM_HEADER,
  ]
    .flatMap(pattern => REQUIRED_LITERALS.get(pattern)!)
    .map(literal => literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('|'),
);

function mayHoldPrefixedToken(text: string): boolean {
  return ANY_PREFIX_LITERAL.test(text);
}

function findPrivateKeys(text: string, context: DetectionContext, out: Candidate[]) {
  // END marker positions are remembered per label so many headers without an END cost one
  // scan of the text in total, not one each.
  const endFound = new Map<string, { from: number; at: number }>();
  let serviceAccount: boolean | undefined;
  const isServiceAccount = () =>
    (serviceAccount ??=
      context.parent?.type === 'service_account' ||
      SERVICE_ACCOUNT_JSON.test(text.slice(0, 65_536)));
  scan(
    text,
    PEM_HEADER,
    m => {
      const label = m[1];
      const endMarker = `-----END ${label}-----`;
      const bodyStart = m.index + m[0].length;
      let known = endFound.get(label);
      if (!known || (known.at !== -1 && known.at < bodyStart)) {
        known = { from: bodyStart, at: text.indexOf(endMarker, bodyStart) };
        endFound.set(label, known);
      }
      let end: number;
      let body: string;
      if (known.at !== -1 && known.at - bodyStart <= PEM_MAX_LENGTH) {
        body = text.slice(bodyStart, known.at);
        end = known.at + endMarker.length;
      } else {
        // No END marker (truncated paste): take the base64 run after the header.
        const run = /[A-Za-z0-9+/=\s\\:-]{0,8192}/y;
        run.lastIndex = bodyStart;
        body = run.exec(text)?.[0] ?? '';
        end = bodyStart + body.length;
      }
      const base64Chars = body.replace(/\\n|[^A-Za-z0-9+/]/g, '').length;
      if (base64Chars < PEM_MIN_BODY) return undefined; // a header and `...`: a placeholder
      PEM_HEADER.lastIndex = Math.max(PEM_HEADER.lastIndex, end);
      return {
        kind: isServiceAccount() ? 'gcp-service-account-key' : 'private-key',
        value: text.slice(m.index, end),
        start: m.index,
        end,
        basis: 'format',
        priority: 1,
      };
    },
    out,
  );
}

const JWT_HEAD = /eyJ[A-Za-z0-9_-]*/g;
const JWT_SEGMENT = /[A-Za-z0-9_-]*/y;
const JWT_MAX_LENGTH = 16_384;

function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function findJwts(text: string, out: Candidate[]) {
  if (!text.includes('eyJ')) return;
  JWT_HEAD.lastIndex = 0;
  for (let m = JWT_HEAD.exec(text); m; m = JWT_HEAD.exec(text)) {
    const start = m.index;
    let pos = start + m[0].length;
    if (!boundedBefore(text, start) || text[pos] !== '.' || !text.startsWith('eyJ', pos + 1)) {
      continue;
    }
    JWT_SEGMENT.lastIndex = pos + 1;
    const payload = JWT_SEGMENT.exec(text)![0];
    pos = pos + 1 + payload.length;
    if (text[pos] !== '.') {
      JWT_HEAD.lastIndex = pos;
      continue;
    }
    JWT_SEGMENT.lastIndex = pos + 1;
    const signature = JWT_SEGMENT.exec(text)![0];
    const end = pos + 1 + signature.length;
    JWT_HEAD.lastIndex = end;
    if (end - start > JWT_MAX_LENGTH) continue;
    const header = decodeJsonSegment(m[0]);
    if (typeof header?.alg !== 'string' || !decodeJsonSegment(payload)) continue;
    // Unsigned tokens (`alg: none`) authenticate nothing on a sane server.
    if (header.alg.toLocaleLowerCase('en-US') === 'none' || signature.length < 16) continue;
    out.push({
      kind: 'jwt',
      value: text.slice(start, end),
      start,
      end,
      basis: 'format',
      priority: 2,
    });
  }
}

const AUTHORITY_STOP = /[/?#\s"'<>`\\]/;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

// The host of a URL authority: a DNS name or IPv4 address, or an IPv6 literal; an optional port.
const AUTHORITY_HOST =
  /^(?:[A-Za-z0-9_~-]{1,63}(?:\.[A-Za-z0-9_~-]{1,63}){0,20}\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{0,5})?$/;

/**
 * Credentials in URLs: `scheme://user:password@host` (the password is the secret). Only a real
 * authority counts: `tcp://broker:9092@cluster-id` is a host and port before an `@`, not a user
 * and password; `https://host:8443/path@v1` has its `@` in the path; `git@github.com:org/repo` has
 * no scheme and `ssh://git@host` no password.
 */
function findUrlCredentials(text: string, out: Candidate[]) {
  for (let sep = text.indexOf('://'); sep !== -1; sep = text.indexOf('://', sep + 3)) {
    let schemeStart = sep;
    while (schemeStart > 0 && sep - schemeStart < 32 && SCHEME_CHAR.test(text[schemeStart - 1])) {
      schemeStart -= 1;
    }
    if (schemeStart === sep || !/[A-Za-z]/.test(text[schemeStart])) continue;
    const authorityStart = sep + 3;
    let authorityEnd = authorityStart;
    const limit = Math.min(text.length, authorityStart + 1024);
    while (authorityEnd < limit && !AUTHORITY_STOP.test(text[authorityEnd])) authorityEnd += 1;
    const authority = text.slice(authorityStart, authorityEnd);
    const at = authority.lastIndexOf('@');
    if (at <= 0) continue;
    const userinfo = authority.slice(0, at);
    const hostAndPort = authority.slice(at + 1);
    if (!AUTHORITY_HOST.test(hostAndPort)) continue; // `@` in something that is not a host
    const host = hostAndPort.replace(/:\d{0,5}$/, '');
    const colon = userinfo.indexOf(':');
    let secret: string;
    let secretStart: number;
    let user: string | undefined;
    if (colon >= 0) {
      user = userinfo.slice(0, colon);
      secret = userinfo.slice(colon + 1);
      secretStart = authorityStart + colon + 1;
      // `host:9092@…`: a port, not a password.
      if (/^\d{1,5}$/.test(secret)) continue;
    } else {
      // `https://<token>@host`: a bare user part only counts when it is clearly random.
      if (!looksRandom(userinfo, 20)) continue;
      secret = userinfo;
      secretStart = authorityStart;
    }
    if (!secret || isPlaceholder(secret) || containsSubstitution(secret)) continue;
    if (secret.includes('$')) continue; // `$PASSWORD`, `$(cat …)`: not a literal
    out.push({
      kind: 'url-credentials',
      value: secret,
      start: secretStart,
      end: secretStart + secret.length,
      basis: 'url-credentials',
      priority: 5,
      host,
      user,
    });
  }
}

// --- key-name context ----------------------------------------------------------------------

const AWS_SECRET_SHAPE = /^[A-Za-z0-9/+]{40}$/;
const AZURE_KEY_SHAPE = /^[A-Za-z0-9+/]{86}==$/;
const HEX32 = /^[0-9a-f]{32}$/i;
const HEX40 = /^[0-9a-f]{40}$/i;
const PAGERDUTY_KEY_SHAPE = /^[0-9a-z]{32}$/i;

/**
 * A value that a secret-named key holds: the key decides what an ambiguous shape is (40 base64
 * characters under an AWS secret key, 32 hex under a Datadog API key, a UUID under an api-key
 * annotation), and a random-looking value under any secret name is a generic secret.
 */
function classifyNamedValue(
  name: string,
  vendorContext: string,
  value: string,
): { kind: CatalogSecretKind } | undefined {
  // A secret is one token: sentences and documents under a secret name are not one value.
  if (!isSecretKeyName(name) || /\s/.test(value)) return undefined;
  const words = sharedKeyWords(keyName(name));
  const vendor = vendorOf(`${vendorContext} ${name}`);
  if (notSecretShape(value, { allowIdentifiers: true })) return undefined;
  if (vendor === 'aws' && AWS_SECRET_SHAPE.test(value) && looksRandom(value, 40)) {
    return { kind: 'aws-secret-access-key' };
  }
  if (words.includes('secret') && words.includes('access') && AWS_SECRET_SHAPE.test(value)) {
    return { kind: 'aws-secret-access-key' };
  }
  if ((vendor === 'azure' || words.includes('account')) && AZURE_KEY_SHAPE.test(value)) {
    return { kind: 'azure-storage-key' };
  }
  if (vendor === 'datadog' && HEX32.test(value)) return { kind: 'datadog-api-key' };
  if (vendor === 'datadog' && HEX40.test(value)) return { kind: 'datadog-app-key' };
  if (vendor === 'pagerduty' && PAGERDUTY_KEY_SHAPE.test(value)) {
    return { kind: 'pagerduty-integration-key' };
  }
  const minLength = isPasswordKeyName(name) ? 8 : 12;
  return looksRandom(value, minLength) ? { kind: 'generic-secret' } : undefined;
}

// `NAME = value` / `"name": "value"` inside free text, anchored on a secret word.
const INLINE_ASSIGNMENT =
  /(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|account[_-]?key|signing[_-]?key|routing[_-]?key|integration[_-]?key|app[_-]?key|credentials?)[A-Za-z0-9_.-]{0,30}["']?[ \t]{0,3}[:=][ \t]{0,3}["']?([^\s"'`,;<>(){}[\]&|]{6,512})/gi;
const NAME_CHAR = /[A-Za-z0-9_.-]/;
REQUIRED_LITERALS.set(INLINE_ASSIGNMENT, [':', '=']);

function findInlineAssignments(text: string, context: DetectionContext, out: Candidate[]) {
  scan(
    text,
    INLINE_ASSIGNMENT,
    m => {
      let nameStart = m.index;
      while (nameStart > 0 && m.index - nameStart < 40 && NAME_CHAR.test(text[nameStart - 1])) {
        nameStart -= 1;
      }
      const value = m[1];
      const assignment = m[0];
      // `key_${{ parameters.env }}`, `prefix-{{ x }}`: the value goes on as a substitution
      // (which the value class stops before), so the literal part is only a template.
      const next = text[m.index + assignment.length];
      if (value.endsWith('$') || next === '{' || next === '<') return undefined;
      const name = assignment.slice(0, assignment.search(/["']?[ \t]{0,3}[:=]/));
      const fullName = text.slice(nameStart, m.index) + name;
      const classified = classifyNamedValue(fullName, context.path ?? '', value);
      if (!classified) return undefined;
      const start = m.index + assignment.length - value.length;
      return {
        kind: classified.kind,
        value,
        start,
        end: start + value.length,
        basis: 'inline-assignment',
        priority: 4,
      };
    },
    out,
  );
}

// --- resolution ----------------------------------------------------------------------------

function withChecksum(kind: CatalogSecretKind, m: RegExpExecArray, valid: boolean): Candidate {
  return {
    kind,
    value: m[0],
    start: m.index,
    end: m.index + m[0].length,
    basis: valid ? 'checksum' : 'format',
    checksum: valid ? 'valid' : 'invalid',
    // An invalid checksum is only kept inside a credential slot, where it is the better name.
    priority: valid ? 0 : 1,
  };
}

function prefixed(kind: CatalogSecretKind, m: RegExpExecArray, group = 0): Candidate {
  const value = m[group];
  const start = m.index + m[0].indexOf(value);
  return { kind, value, start, end: start + value.length, basis: 'format', priority: 1 };
}

const SEVERITY_OF_STRIPE: Record<string, Severity> = {
  'sk:live': 'critical',
  'rk:live': 'high',
  'sk:test': 'low',
  'rk:test': 'low',
};

/** Above this length a string is not inspected by the caller; the detectors assume less. */
export const MAX_DETECTION_LENGTH = 4 * 1024 * 1024;

/**
 * Tokens with a known prefix and private keys; the Stripe keys' severities by candidate. Only
 * run when {@link mayHoldPrefixedToken}: each pattern needs one of its literals.
 */
function findPrefixedTokens(
  text: string,
  context: DetectionContext,
  candidates: Candidate[],
): Map<Candidate, Severity> | undefined {
  let stripeSeverity: Map<Candidate, Severity> | undefined;
  scan(text, AWS_KEY_ID, m => prefixed('aws-access-key-id', m), candidates);
  scan(
    text,
    GITHUB_CLASSIC,
    m => {
      const prefix = m[0].slice(0, 3);
      const bodyLength = m[0].length - 4;
      if (bodyLength !== (prefix === 'ghr' ? 76 : 36) && bodyLength !== 36) return undefined;
      // Installation tokens (`ghs_`) are not documented to carry the checksum: shape suffices.
      if (prefix === 'ghs') return { ...prefixed('github-token', m), priority: 1 };
      return withChecksum('github-token', m, hasValidCrc32Checksum(m[0]));
    },
    candidates,
  );
  scan(
    text,
    GITHUB_FINE_GRAINED,
    m => withChecksum('github-token', m, hasValidFineGrainedChecksum(m[0])),
    candidates,
  );
  scan(text, NPM_TOKEN, m => withChecksum('npm-token', m, hasValidCrc32Checksum(m[0])), candidates);
  scan(
    text,
    GITLAB,
    m =>
      looksRandom(m[0].slice(m[0].indexOf('-') + 1), 20) ? prefixed('gitlab-token', m) : undefined,
    candidates,
  );
  scan(text, SLACK_TOKEN, m => prefixed('slack-token', m), candidates);
  scan(text, SLACK_WEBHOOK, m => prefixed('slack-webhook', m, 1), candidates);
  scan(
    text,
    STRIPE,
    m => {
      const candidate = prefixed('stripe-secret-key', m);
      (stripeSeverity ??= new Map()).set(candidate, SEVERITY_OF_STRIPE[`${m[1]}:${m[2]}`]);
      return candidate;
    },
    candidates,
  );
  scan(text, GOOGLE_API_KEY, m => prefixed('google-api-key', m), candidates);
  scan(text, SENDGRID, m => prefixed('sendgrid-api-key', m), candidates);
  scan(text, VAULT_TOKEN, m => prefixed('vault-token', m), candidates);
  scan(text, AZURE_ACCOUNT_KEY, m => prefixed('azure-storage-key', m, 1), candidates);
  findPrivateKeys(text, context, candidates);
  return stripeSeverity;
}

/** Stretches of text; answers "does one of them contain this one?" in logarithmic time. */
class Slots {
  private readonly slots: Candidate[];
  /** The largest end among slots[0..i]. */
  private readonly maxEnd: number[];

  constructor(slots: Candidate[]) {
    this.slots = slots.sort((a, b) => a.start - b.start);
    let max = -1;
    this.maxEnd = this.slots.map(slot => (max = Math.max(max, slot.end)));
  }

  contain(c: Candidate): boolean {
    // The last slot starting at or before c.start; any slot before it starts earlier still.
    let lo = 0;
    let hi = this.slots.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.slots[mid].start <= c.start) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && this.maxEnd[found] >= c.end;
  }
}

/**
 * One finding per stretch of text: the most specific detector (lowest priority number) wins,
 * then the earliest start. The same greedy choice as "sort by priority and start, accept what
 * overlaps nothing accepted", in O(n log n) rather than quadratic time: a hostile string yields
 * tens of thousands of candidates.
 */
function mostSpecific(candidates: Candidate[]): Candidate[] {
  const byPriority = new Map<number, Candidate[]>();
  for (const c of candidates) {
    const level = byPriority.get(c.priority);
    if (level) level.push(c);
    else byPriority.set(c.priority, [c]);
  }
  // Accepted stretches, sorted by start and never overlapping (so sorted by end too).
  let accepted: Candidate[] = [];
  const overlapsAccepted = (c: Candidate) => {
    // The first accepted stretch that ends after c starts.
    let lo = 0;
    let hi = accepted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (accepted[mid].end <= c.start) lo = mid + 1;
      else hi = mid;
    }
    return lo < accepted.length && accepted[lo].start < c.end;
  };
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const level = byPriority.get(priority)!.sort((a, b) => a.start - b.start);
    const kept: Candidate[] = [];
    for (const c of level) {
      const last = kept[kept.length - 1];
      if ((last && last.end > c.start) || overlapsAccepted(c)) continue;
      kept.push(c);
    }
    // Merge the two sorted lists.
    const merged: Candidate[] = [];
    let i = 0;
    let j = 0;
    while (i < accepted.length || j < kept.length) {
      if (j >= kept.length || (i < accepted.length && accepted[i].start < kept[j].start)) {
        merged.push(accepted[i++]);
      } else {
        merged.push(kept[j++]);
      }
    }
    accepted = merged;
  }
  return accepted;
}

function placeholderOf(c: Candidate): PlaceholderReason | undefined {
  return placeholderReason(c.value, {
    kind: c.kind,
    host: c.host,
    user: c.user,
    checksumValid: c.checksum === 'valid',
  });
}

/**
 * Finds secrets in one string value. Linear in the length of the value. With `context`, the
 * field's key name decides ambiguous shapes and whole-field values under secret-named keys.
 */
export function detectSecrets(text: string, context: DetectionContext = {}): SecretMatch[] {
  const candidates: Candidate[] = [];
  // A literal alternation: linear, and false for most strings, which skip those scans.
  const stripeSeverity = mayHoldPrefixedToken(text)
    ? findPrefixedTokens(text, context, candidates)
    : undefined;
  findJwts(text, candidates);
  findUrlCredentials(text, candidates);
  findInlineAssignments(text, context, candidates);

  // The whole field under a secret-named key.
  const trimmed = context.key ? text.trim() : '';
  if (context.key && trimmed.length <= 4096) {
    const classified = classifyNamedValue(context.key, context.path ?? '', trimmed);
    if (classified) {
      const start = text.indexOf(trimmed);
      candidates.push({
        kind: classified.kind,
        value: trimmed,
        start,
        end: start + trimmed.length,
        basis: 'key-name',
        priority: 3,
      });
    }
  }

  if (!candidates.length) return [];

  // A token whose checksum fails is only believed where the context says "credential": the
  // password slot of a URL or a whole field under a secret-named key.
  const credentialSlots = new Slots(
    candidates.filter(
      c =>
        c.basis === 'url-credentials' || c.basis === 'key-name' || c.basis === 'inline-assignment',
    ),
  );
  // A password slot of a URL on an example host (or with a stand-in password) says "example"
  // for whatever token fills it, unless the token's own checksum says its issuer made it.
  const exampleSlots = new Slots(
    candidates.filter(c => c.basis === 'url-credentials' && placeholderOf(c)),
  );
  const believed = candidates.filter(
    c =>
      (c.checksum !== 'invalid' || credentialSlots.contain(c)) &&
      (c.checksum === 'valid' || !exampleSlots.contain(c)),
  );

  const accepted = mostSpecific(believed);
  const found: SecretMatch[] = [];
  for (const c of accepted) {
    // The most specific reading of a stretch decides: when it is a placeholder, so is the
    // stretch (a less specific candidate inside it is not reported instead).
    if (placeholderOf(c)) continue;
    found.push({
      kind: c.kind,
      value: c.value,
      start: c.start,
      end: c.end,
      severity: stripeSeverity?.get(c) ?? CATALOG_SECRET_KINDS[c.kind].severity,
      example: false,
      basis: c.basis,
      ...(c.checksum ? { checksum: c.checksum } : {}),
    });
  }
  return found;
}
