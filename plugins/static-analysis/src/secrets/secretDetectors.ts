import {
  CATALOG_SECRET_KINDS,
  CatalogSecretKind,
} from '@security-posture/plugin-security-posture-common';
import { Candidate, DetectionContext, REQUIRED_LITERALS, scan, SecretMatch } from './candidates';
import { mostSpecific, Slots } from './candidateSelection';
import { isPasswordKeyName, isSecretKeyName, keyName, sharedKeyWords, vendorOf } from './keyNames';
import { placeholderReason, PlaceholderReason } from './placeholders';
import { findPrefixedTokens, mayHoldPrefixedToken } from './prefixedTokens';
import { containsSubstitution, isPlaceholder, looksRandom, notSecretShape } from './valueShapes';

export type { DetectionContext, SecretBasis, SecretMatch } from './candidates';

// Every pattern below is linear-time on hostile input: a literal prefix followed by single
// bounded character classes, or a single unbounded class that cannot fail once it started (so
// a failed attempt never rescans a run). Structures (PEM blocks, JWTs, URL authorities) are
// parsed by hand after a cheap anchor is found.

const TOKEN_CHARS = /[A-Za-z0-9_-]/;

function boundedBefore(text: string, index: number) {
  return index === 0 || !TOKEN_CHARS.test(text[index - 1]);
}

// --- structures ----------------------------------------------------------------------------

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

/** Above this length a string is not inspected by the caller; the detectors assume less. */
export const MAX_DETECTION_LENGTH = 4 * 1024 * 1024;

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
