// Shapes of values that look like secrets but are not, and the measures used to tell them apart.
// Every test here runs on one bounded value (a detector's match or a whole field), never on a
// whole document, and uses only anchored patterns with single bounded character classes.

import { lowerCaseEn } from './text';

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (!value) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  const length = [...value].length;
  for (const count of counts.values()) {
    const p = count / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** How many of lower case, upper case, digits and other characters a value mixes. */
export function characterClasses(value: string): number {
  let classes = 0;
  if (/[a-z]/.test(value)) classes += 1;
  if (/[A-Z]/.test(value)) classes += 1;
  if (/[0-9]/.test(value)) classes += 1;
  if (/[^A-Za-z0-9]/.test(value)) classes += 1;
  return classes;
}

const SUBSTITUTION =
  /^(?:\$\{\{?[^}]{0,200}\}\}?|\{\{[^}]{0,200}\}\}|\$[A-Z_][A-Z0-9_]{0,100}|%[A-Z_][A-Z0-9_]{0,100}%|<[^<>]{0,100}>|\[[A-Za-z _-]{0,40}\])$/;
const FILLER = /^(?:\*{3,}|x{3,}|X{3,}|\.{3,}|#{3,}|-{3,}|_{3,}|0{3,}|…)$/;
const PLACEHOLDER_WORDS = new Set([
  'changeme',
  'change-me',
  'change_me',
  'replaceme',
  'replace-me',
  'replace_me',
  'password',
  'passwd',
  'pass',
  'secret',
  'token',
  'apikey',
  'api-key',
  'example',
  'redacted',
  'removed',
  'hidden',
  'masked',
  'dummy',
  'fake',
  'sample',
  'test',
  'todo',
  'tbd',
  'none',
  'null',
  'nil',
  'undefined',
  'empty',
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'enabled',
  'disabled',
  'required',
  'optional',
  'string',
  'your-token',
  'your-api-key',
  'your-password',
  'your-secret',
]);

/**
 * `${ENV}`, `${{ secrets.X }}`, `{{ .Values.x }}`, `$ENV`, `%ENV%`, `<your-token>`, `****`,
 * `xxxx`, `changeme` and the like: the value names a secret without holding it.
 */
export function isPlaceholder(value: string): boolean {
  const trimmed = value.trim();
  if (!trimmed) return true;
  if (trimmed.length <= 210 && (SUBSTITUTION.test(trimmed) || FILLER.test(trimmed))) return true;
  const lower = lowerCaseEn(trimmed);
  if (PLACEHOLDER_WORDS.has(lower)) return true;
  // e.g. `your_api_key_here`, `insert-token-here`, `my-secret-password`
  if (/^(?:your|my|insert|enter|put|add|replace)[-_ ][a-z_ -]{0,60}$/.test(lower)) return true;
  // A body made of one repeated character after a known prefix: `ghp_xxxxxxxx…`
  return /^[a-z]{2,12}[_-](?:x{8,}|X{8,}|\*{8,}|0{8,})$/i.test(trimmed);
}

/** Contains a substitution anywhere, e.g. `postgres://app:${DB_PASSWORD}@db`. */
export function containsSubstitution(value: string): boolean {
  // Both forms start with `{` after at most one `$`.
  return value.includes('{') && /\$\{[^}\n]{1,200}\}|\{\{[^}\n]{1,200}\}\}/.test(value);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GIT_SHA = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;
const DIGEST = /^(?:[a-z0-9_+.-]{1,200}@)?(?:sha256|sha384|sha512|sha1|md5):[0-9a-f]{32,128}$/i;
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}$/;
const PUBLIC_MATERIAL =
  /^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d{3}|sk-ssh-ed25519@openssh\.com) |^-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|PGP PUBLIC KEY BLOCK|CERTIFICATE REQUEST|X509 CRL)-----/;
const PUBLISHABLE = /^(?:pk_(?:live|test)_|pk\.[a-z]{2,}|pub[_-])/i;
const URL_WITHOUT_CREDENTIALS = /^[a-z][a-z0-9+.-]{1,20}:\/\/[^@\s]{0,2048}$/i;
const ARN_OR_RESOURCE_NAME =
  /^(?:arn:aws[a-z-]{0,12}:|projects\/[a-z0-9-]{1,64}\/|\/subscriptions\/)/i;
// A lower-case path or name: `secret/data/payments`, `database/creds/ledger-rw`, `/prod/db`.
const LOWER_PATH = /^\/?[a-z0-9][a-z0-9._-]{0,200}(?:\/[a-z0-9._*-]{1,200}){1,30}\/?$/;
// Words joined by separators, each all letters or all digits: `every-90-days`, `payments_team`.
const WORD_LIKE = /^(?:[A-Za-z]{1,30}|[0-9]{1,12})(?:[-_. :](?:[A-Za-z]{1,30}|[0-9]{1,12})){0,20}$/;
const HOSTNAME = /^[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,10}(?::\d{1,5})?$/;

export type NotSecretShape =
  | 'placeholder'
  | 'uuid'
  | 'git-sha'
  | 'digest'
  | 'email'
  | 'public-key-or-certificate'
  | 'publishable-key'
  | 'url'
  | 'resource-name'
  | 'path'
  | 'word-like'
  | 'hostname'
  | 'low-entropy';

/**
 * Why a whole field value, seen under a key name that says "secret", is still not a secret; or
 * undefined when it may well be one. `allowIdentifiers`: a UUID or a bare hex id counts as a
 * secret (the key name says api key/token, and some vendors issue UUID-shaped keys).
 */
export function notSecretShape(
  value: string,
  options: { allowIdentifiers?: boolean } = {},
): NotSecretShape | undefined {
  const v = value.trim();
  if (isPlaceholder(v) || containsSubstitution(v)) return 'placeholder';
  if (PUBLIC_MATERIAL.test(v)) return 'public-key-or-certificate';
  if (PUBLISHABLE.test(v)) return 'publishable-key';
  if (v.length > 4096) return undefined; // too long for the shape tests below: let detectors decide
  if (DIGEST.test(v)) return 'digest';
  if (!options.allowIdentifiers) {
    if (UUID.test(v)) return 'uuid';
    if (GIT_SHA.test(v)) return 'git-sha';
  }
  if (EMAIL.test(v)) return 'email';
  if (URL_WITHOUT_CREDENTIALS.test(v)) return 'url';
  if (ARN_OR_RESOURCE_NAME.test(v)) return 'resource-name';
  if (LOWER_PATH.test(v)) return 'path';
  if (HOSTNAME.test(v)) return 'hostname';
  if (WORD_LIKE.test(v)) return 'word-like';
  if (options.allowIdentifiers && UUID.test(v)) return undefined;
  if (shannonEntropy(v) < 3) return 'low-entropy';
  return undefined;
}

/** Is `value` at least as random as a short credential: long enough, mixed and high in entropy. */
export function looksRandom(value: string, minLength: number): boolean {
  if (value.length < minLength) return false;
  const entropy = shannonEntropy(value);
  if (/^[0-9a-f]+$/i.test(value)) return value.length >= 16 && entropy >= 3;
  return entropy >= 3 && characterClasses(value) >= 2;
}
