import { randomBytes, randomInt } from 'node:crypto';
import { Entity } from '@backstage/catalog-model';
import { base62, crc32 } from '../secrets/checksums';
import { isPlaceholderSecret } from '../secrets/placeholders';

// Fake credentials for tests, generated at runtime: no secret-shaped literal sits in the source
// (the prefixes are joined from pieces so that scanners of this repository stay quiet).

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;

export function rand(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Random text mixing upper, lower and digits. A draw that happens to read as a placeholder (one
 * in ten thousand or so holds `abc123` or `qwerty`) is drawn again: fakes stand for real secrets.
 */
export function mixed(n: number, alphabet = ALNUM): string {
  for (;;) {
    const s = rand(alphabet, n);
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s) && !isPlaceholderSecret(s)) return s;
  }
}

export const hex = (n: number) => {
  for (;;) {
    const s = rand('0123456789abcdef', n);
    if (/[a-f]/.test(s) && /[0-9]/.test(s) && !isPlaceholderSecret(s)) return s;
  }
};

/** Draws until the value does not read as a placeholder. */
function realistic(draw: () => string): string {
  for (;;) {
    const s = draw();
    if (!isPlaceholderSecret(s)) return s;
  }
}

const p = (...parts: string[]) => parts.join('');

export const fakes = {
  awsKeyId: () => realistic(() => p('AK', 'IA', rand(`${UPPER}234567`, 16))),
  awsSecret: () => mixed(40, `${ALNUM}+/`),
  github: (prefix = 'ghp') => {
    const body = mixed(30);
    return p(prefix, '_', body, base62(crc32(body), 6));
  },
  githubBadChecksum: (prefix = 'ghp') => {
    const body = mixed(30);
    const good = base62(crc32(body), 6);
    return p(prefix, '_', body, good.slice(0, 5), good[5] === 'A' ? 'B' : 'A');
  },
  npm: () => {
    const body = mixed(30);
    return p('np', 'm_', body, base62(crc32(body), 6));
  },
  gitlab: () => p('gl', 'pat-', mixed(20)),
  slackToken: () =>
    realistic(() => p('xo', 'xb-', rand(DIGITS, 12), '-', rand(DIGITS, 13), '-', mixed(24))),
  slackWebhook: () => {
    const token = mixed(24);
    return {
      token,
      url: p(
        'https://hooks.',
        'slack.com/services/T',
        rand(UPPER, 8),
        '/B',
        rand(UPPER, 10),
        '/',
        token,
      ),
    };
  },
  privateKey: (label = 'RSA PRIVATE KEY') =>
    p(
      '-----BEGIN ',
      label,
      '-----\n',
      randomBytes(600).toString('base64').replace(/.{64}/g, '$&\n'),
      '\n-----END ',
      label,
      '-----',
    ),
  jwt: () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({
      sub: 'svc',
      iat: 1767225600,
    })}.${randomBytes(32).toString('base64url')}`;
  },
  stripe: (prefix = 'sk_live') => p(prefix, '_', mixed(32)),
  googleApiKey: () => p('AI', 'za', mixed(35)),
  sendgrid: () => p('S', 'G.', mixed(22), '.', mixed(43)),
  vault: () => p('hv', 's.', mixed(90)),
  azureKey: () => randomBytes(64).toString('base64'),
  password: () => realistic(() => `${mixed(14)}!${rand(DIGITS, 2)}`),
};

export function component(
  metadata: Partial<Entity['metadata']>,
  spec: Record<string, unknown> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'svc', namespace: 'default', ...metadata },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a', ...spec },
  };
}
