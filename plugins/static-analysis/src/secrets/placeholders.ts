// Is a detected secret a placeholder or a documentation example rather than a credential? One
// judgement for every detector (prefixed tokens, private keys, JWTs, URL passwords, key-name and
// inline values), applied by `detectSecrets` to each value it would report, so the catalog check,
// the template analyser and the CLI's raw text scan all agree. A placeholder is never reported.
//
// Every test runs on one bounded value (a detector's match, at most a PEM block) and is linear in
// its length: character loops, and anchored patterns with single bounded character classes.

import { CatalogSecretKind } from '@security-posture/plugin-security-posture-common';
import { lowerCaseEn } from './text';
import { containsSubstitution, isPlaceholder } from './valueShapes';

/** Why a value is not reported as a secret. */
export type PlaceholderReason =
  /** `${VAR}`, `{{ x }}`, `${{ x }}`, `<your-token>`, `$VAR`, `%VAR%` anywhere in the value. */
  | 'substitution'
  /** `changeme`, `****`, `xxxx…`, `your_api_key_here`, `ghp_xxxx…`: the whole value says so. */
  | 'placeholder'
  /** A vendor's documentation value, `…EXAMPLE…`, jwt.io's sample claims. */
  | 'documentation-example'
  /** Ends in or holds `...`/`…`: an elided value, or a PEM body too short to be a key. */
  | 'truncated'
  /** Holds a word no credential holds: `dummy`, `fake`, `sample`, `test`, `your`, `example`. */
  | 'placeholder-word'
  /** Made of words a person types as a stand-in: `MySecretPassword`, `s3cr3t-passw0rd`. */
  | 'stand-in-words'
  /** `abcd1234`, `123456789`, `qwerty`, `…xyz789`: sequential or keyboard runs. */
  | 'sequential'
  /** One short unit repeated (`abab…`, `abc123abc123`), or a long run of one character. */
  | 'repeated'
  /** Base64 of a placeholder (`cGFzc3dvcmQ=` is `password`). */
  | 'encoded-placeholder'
  /** A password in a URL on an example or local host (`example.com`, `*.test`, `localhost`). */
  | 'example-host'
  /** A default password: the user name again (`postgres:postgres`), `admin`, `root`, … */
  | 'default-password';

export interface PlaceholderContext {
  /** The detector's kind: private keys and JWTs are judged by their structure. */
  kind?: CatalogSecretKind;
  /** For URL credentials: the host the password is for. */
  host?: string;
  /** For URL credentials: the user name beside the password. */
  user?: string;
  /** A token whose built-in checksum holds was made by its issuer, not typed by a person. */
  checksumValid?: boolean;
}

// Values vendors publish in their documentation as examples.
// (Joined from parts so that secret scanners of this repository do not flag the source.)
const DOCUMENTATION_EXAMPLES = new Set([
  ['AKIA', 'IOSFODNN7EXAMPLE'].join(''),
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  // jwt.io's sample token (HS256, "John Doe")
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
]);

// Hosts whose credentials are documentation or a developer's own machine. Credentials for
// localhost in a catalog file are demo values (a local database of a quick start): they open
// nothing that a reader of the catalog could reach, so they are not reported.
const EXAMPLE_HOST = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/i;
const LOCAL_ADDRESS =
  /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[?::1?\]?|host\.docker\.internal)$/i;
// Host names that stand for "your host": `host`, `hostname`, `your-db-host`, `db_host`, `<host>`.
const PLACEHOLDER_HOST =
  /^(?:your[-_.a-z0-9]{0,60}|(?:my|some)[-_][a-z0-9_-]{0,40}|[a-z0-9_-]{0,30}[-_]host(?:name)?|hostname|host|server|domain|ip|address)$/i;

// Words that no issued credential holds: seen in a value, the value is a stand-in. Short ones
// count as a segment of their own (`ghp_test_…`, `my-fake-token`) or at the start of the value
// (`testToken…`); random text holds a four-letter word between others by chance.
const SHORT_PLACEHOLDER_WORDS = new Set([
  'test',
  'tests',
  'fake',
  'mock',
  'demo',
  'your',
  'here',
  'todo',
  'none',
  'null',
]);
// Found inside any run of letters (after undoing digit-for-letter spellings): long enough that
// random text does not hold them by chance.
const LONG_WORDS = [
  'example',
  'sample',
  'dummy',
  'placeholder',
  'changeme',
  'replace',
  'redacted',
  'testing',
  'notreal',
  'notasecret',
  'foobar',
  'lorem',
  'ipsum',
  'fixme',
  'insert',
  'yourtoken',
  'yourkey',
];
const PLACEHOLDER_WORDS = new Set([...SHORT_PLACEHOLDER_WORDS, ...LONG_WORDS]);

// Words of a password a person types as a stand-in; a value made only of these (and digits or
// punctuation) is one: `password123`, `MySecretPassword!`, `supersecret`, `admin`, `letmein`.
const STAND_IN_WORDS = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'secrets',
  'token',
  'key',
  'api',
  'apikey',
  'access',
  'private',
  'auth',
  'admin',
  'administrator',
  'root',
  'user',
  'username',
  'login',
  'guest',
  'default',
  'super',
  'supersecret',
  'very',
  'my',
  'the',
  'new',
  'value',
  'string',
  'letmein',
  'welcome',
  'qwerty',
  'app',
  'database',
  'postgres',
  'mysql',
  'redis',
  'mongo',
  'rabbitmq',
  'kafka',
  'backstage',
  'jenkins',
  'sonar',
  'grafana',
  'elastic',
  'minio',
  'keycloak',
  'client',
  'service',
  'account',
  'strong',
  'dev',
  'development',
  'local',
  'staging',
  'prod',
  'production',
]);

// Digit-for-letter spellings: `s3cr3t`, `passw0rd`, `p@ssword`.
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};

function unLeet(value: string): string {
  let out = '';
  for (const ch of value) out += LEET[ch] ?? ch;
  return out;
}

/** Maximal letter runs, split where lower case turns to upper case: `MySecretKey9` → my, secret, key. */
function letterRuns(value: string): string[] {
  const runs: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const isLetter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    const upper = ch >= 'A' && ch <= 'Z';
    const prev = value[i - 1];
    const prevLower = prev !== undefined && prev >= 'a' && prev <= 'z';
    if (!isLetter || (upper && prevLower)) {
      if (current) runs.push(current.toLowerCase());
      current = isLetter ? ch : '';
    } else {
      current += ch;
    }
  }
  if (current) runs.push(current.toLowerCase());
  return runs;
}

const ROWS = [
  'abcdefghijklmnopqrstuvwxyz',
  '0123456789',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  '1234567890',
];

/**
 * For an ordered pair of characters, the (row, direction) bits on which the second follows the
 * first: bit 2r for forward on row r, 2r+1 for backward. Letters must share their case.
 */
function stepMask(a: string, b: string): number {
  const aLower = a.toLowerCase();
  const bLower = b.toLowerCase();
  if ((a === aLower) !== (b === bLower)) return 0; // `aB`: not typed as a run
  let mask = 0;
  for (let r = 0; r < ROWS.length; r++) {
    const i = ROWS[r].indexOf(aLower);
    if (i === -1) continue;
    if (ROWS[r][i + 1] === bLower) mask |= 1 << (2 * r);
    if (i > 0 && ROWS[r][i - 1] === bLower) mask |= 1 << (2 * r + 1);
  }
  return mask;
}

interface RunStats {
  /** Longest stretch of back-to-back runs of 3+ characters in sequence (`abc`, `987`, `qwe`). */
  longestStretch: number;
  /** Whether such a stretch of 6 or more starts or ends the value (`abc123…`, `…xyz789`). */
  stretchAtEdge: boolean;
  /** Characters inside such runs, as a share of the value. */
  coverage: number;
  /** Longest run of one repeated character. */
  longestSame: number;
}

/**
 * Runs of characters that follow each other on the alphabet, the digits or a keyboard row, in
 * one direction: what a person types to fill a value (`abcd1234`, `qwerty`, `987654`).
 */
function runStats(value: string): RunStats {
  let covered = 0;
  let longestStretch = 0;
  let stretchAtEdge = false;
  let stretch = 0;
  let stretchStart = 0;
  let lastRunEnd = -1;
  let longestSame = value.length ? 1 : 0;
  let same = 1;
  // The current run: its first character and the (row, direction) bits it still follows.
  let runStart = 0;
  let runMask = 0;
  const closeRun = (end: number) => {
    const length = end - runStart;
    if (length < 3) return;
    covered += length;
    if (runStart <= lastRunEnd && stretch > 0) stretch += end - lastRunEnd;
    else {
      stretch = length;
      stretchStart = runStart;
    }
    lastRunEnd = end;
    longestStretch = Math.max(longestStretch, stretch);
    if (stretch >= 6 && (stretchStart === 0 || end === value.length)) stretchAtEdge = true;
  };
  for (let i = 1; i < value.length; i++) {
    if (value[i] === value[i - 1]) {
      same += 1;
      longestSame = Math.max(longestSame, same);
    } else {
      same = 1;
    }
    const mask = stepMask(value[i - 1], value[i]);
    if (runMask && mask & runMask) {
      runMask &= mask;
      continue;
    }
    closeRun(i);
    runStart = i - 1;
    runMask = mask;
    if (!mask) runStart = i;
  }
  closeRun(value.length);
  return {
    longestStretch,
    stretchAtEdge,
    coverage: value.length ? Math.min(1, covered / value.length) : 0,
    longestSame,
  };
}

/** `value` is one unit of at most 8 characters repeated at least 3 times (the last may be cut). */
function isRepeatedUnit(value: string): boolean {
  for (let unit = 1; unit <= 8 && unit * 3 <= value.length; unit++) {
    let i = unit;
    while (i < value.length && value[i] === value[i - unit]) i++;
    if (i === value.length) return true;
  }
  return false;
}

// Known token prefixes: the judgement is on the part a person would have typed.
const TOKEN_PREFIX =
  /^(?:gh[pousr]_|github_pat_|glpat-|gldt-|glrt-|glptt-|glft-|glsoat-|glcbt-|gloas-|xox[abprse]-|[sr]k_(?:live|test)_|npm_|SG\.|hv[sbr]\.|AKIA|ASIA|ABIA|ACCA|AIza)/;

const SLACK_IDS = /^(\d{1,20}-\d{1,20})-/;

const BASE64 = /^[A-Za-z0-9+/_-]{4,1024}={0,2}$/;
// eslint-disable-next-line no-control-regex
const PRINTABLE = /^[\x20-\x7e]+$/;

function decodedText(value: string): string | undefined {
  if (!BASE64.test(value) || value.length % 4 === 1) return undefined;
  const decoded = Buffer.from(
    value,
    value.includes('-') || value.includes('_') ? 'base64url' : 'base64',
  ).toString('latin1');
  return decoded.length >= 3 && PRINTABLE.test(decoded) ? decoded : undefined;
}

/** Judgement on the characters of a token-like value (no structure). */
function textReason(
  value: string,
  checksumValid: boolean,
  depth: number,
): PlaceholderReason | undefined {
  const trimmed = value.trim();
  if (isPlaceholder(trimmed)) return 'placeholder';
  if (trimmed.includes('...') || trimmed.includes('…')) return 'truncated';
  // Made by the issuer: the statistics of its characters say nothing.
  if (checksumValid) return undefined;

  let body = trimmed.replace(TOKEN_PREFIX, '');
  const slack = SLACK_IDS.exec(body);
  if (slack) {
    // Workspace and bot ids are numbers; the part after them is what a person would fake.
    if (slack[1].split('-').some(id => isRepeatedUnit(id) || runStats(id).longestStretch >= 8)) {
      return 'sequential';
    }
    body = body.slice(slack[0].length);
  }
  if (/x{4}|X{4}|\*{3}|#{4}|_{4}|\.{4}|-{4}/.test(body)) return 'placeholder';

  const segments = body.split(/[^A-Za-z0-9]+/);
  if (segments.some(seg => SHORT_PLACEHOLDER_WORDS.has(lowerCaseEn(seg.replace(/\d+$/, ''))))) {
    return 'placeholder-word';
  }
  const first = letterRuns(body.slice(0, 12))[0];
  if (first && /^[A-Za-z]/.test(body) && SHORT_PLACEHOLDER_WORDS.has(first) && first.length >= 4) {
    return 'placeholder-word';
  }
  const lower = lowerCaseEn(body);
  const spelled = unLeet(lower);
  if (LONG_WORDS.some(w => lower.includes(w) || (w.length >= 6 && spelled.includes(w)))) {
    return 'placeholder-word';
  }
  // Letters that are all stand-in words; what is left may only be digits and punctuation.
  const standIn = (runs: string[]) =>
    runs.join('').length >= 4 && runs.every(r => STAND_IN_WORDS.has(r) || PLACEHOLDER_WORDS.has(r));
  if (standIn(letterRuns(body)) || standIn(letterRuns(unLeet(body)))) return 'stand-in-words';

  if (isRepeatedUnit(body)) return 'repeated';
  const stats = runStats(body);
  if (stats.longestSame >= 6) return 'repeated';
  if (
    stats.longestStretch >= 8 ||
    stats.stretchAtEdge ||
    (body.length >= 6 && stats.coverage >= 0.5)
  ) {
    return 'sequential';
  }

  if (depth === 0) {
    const decoded = decodedText(body);
    if (decoded && (isPlaceholder(decoded) || textReason(decoded, false, 1))) {
      return 'encoded-placeholder';
    }
  }
  return undefined;
}

const PEM_MIN_BODY = 64;

/** A private key block whose body is elided, a stand-in, or too short and plain to be a key. */
function pemReason(block: string): PlaceholderReason | undefined {
  if (!block.startsWith('-----BEGIN ')) return undefined;
  const headerEnd = block.indexOf('-----', 11);
  if (headerEnd === -1) return undefined;
  const bodyStart = headerEnd + 5;
  const end = block.indexOf('-----END ', bodyStart);
  const rawBody = block.slice(bodyStart, end === -1 ? block.length : end).replace(/\\n/g, '\n');
  // Armour headers (`Proc-Type: …`, `Version: …`) are not part of the base64 body.
  if (rawBody.includes('...') || rawBody.includes('…')) return 'truncated';
  if (containsSubstitution(rawBody) || /<[^<>\n]{1,80}>/.test(rawBody)) return 'substitution';
  const lines = rawBody.split('\n').filter(line => !/^[A-Za-z-]{1,40}: /.test(line.trim()));
  const body = lines.join('').replace(/[^A-Za-z0-9+/]/g, '');
  if (body.length < PEM_MIN_BODY) return 'truncated';
  if (lines.some(line => /^\s*[A-Za-z]{1,12}(?: [A-Za-z]{1,12}){1,10}\s*$/.test(line))) {
    return 'placeholder'; // `your key here`, `paste the private key`
  }
  const stats = runStats(body);
  if (stats.longestSame >= 16 || stats.longestStretch >= 10) return 'placeholder';
  if (/[xX]{8}/.test(body)) return 'placeholder';
  return undefined;
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const EXAMPLE_CLAIM_VALUES = new Set(['1234567890', 'john doe', 'jane doe', 'john.doe', 'user123']);

/** jwt.io-style claims, or a signature that is a stand-in. */
function jwtReason(token: string): PlaceholderReason | undefined {
  const [, payload, signature = ''] = token.split('.');
  const claims = payload ? decodeJson(payload) : undefined;
  if (claims) {
    for (const name of ['sub', 'name', 'email', 'iss']) {
      const claim = claims[name];
      if (typeof claim !== 'string') continue;
      const lower = lowerCaseEn(claim);
      if (EXAMPLE_CLAIM_VALUES.has(lower)) return 'documentation-example';
      if (/(?:^|[^a-z])(?:example\.(?:com|org|net)|example)(?:$|[^a-z])/.test(lower)) {
        return 'documentation-example';
      }
    }
  }
  return textReason(signature, false, 1);
}

/** Why a password in a URL is a stand-in: the host or the user name beside it says so. */
function urlReason(secret: string, host?: string, user?: string): PlaceholderReason | undefined {
  if (host) {
    const h = host.replace(/:\d{1,5}$/, '');
    if (EXAMPLE_HOST.test(h) || LOCAL_ADDRESS.test(h)) return 'example-host';
    if (PLACEHOLDER_HOST.test(h) || /^<[^<>]{1,60}>$/.test(h)) return 'example-host';
  }
  if (user !== undefined && secret.length < 4) return 'placeholder'; // `user:pw@`, `a:b@`
  if (user && lowerCaseEn(user) === lowerCaseEn(secret)) return 'default-password';
  return undefined;
}

/**
 * Why `secret` is a placeholder or a documentation example and not a credential, or undefined
 * when it may be one. `secret` is the part a detector would mask: a token, a password, a key
 * block.
 */
export function placeholderReason(
  secret: string,
  context: PlaceholderContext = {},
): PlaceholderReason | undefined {
  if (DOCUMENTATION_EXAMPLES.has(secret) || secret.includes('EXAMPLE')) {
    return 'documentation-example';
  }
  if (/^(?:T0{8}|B0{8}|X{24})$/.test(secret)) return 'documentation-example';
  if (
    containsSubstitution(secret) ||
    /<[A-Za-z_][^<>]{0,80}>|\$[A-Z][A-Z0-9_]{2,}|%[A-Z_]{3,64}%/.test(secret)
  ) {
    return 'substitution';
  }
  if (context.kind === 'private-key' || context.kind === 'gcp-service-account-key') {
    return pemReason(secret);
  }
  if (context.kind === 'jwt') return jwtReason(secret);
  const url = urlReason(secret, context.host, context.user);
  if (url) return url;
  return textReason(secret, !!context.checksumValid, 0);
}

/** {@link placeholderReason} as a yes/no. */
export function isPlaceholderSecret(secret: string, context: PlaceholderContext = {}): boolean {
  return placeholderReason(secret, context) !== undefined;
}
