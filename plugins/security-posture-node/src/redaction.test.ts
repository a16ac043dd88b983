import { createHash, createHmac } from 'node:crypto';
import { publicSecretPrefix, redactSecret, scrubSecrets, SecretScrubber } from './redaction';

// Built from parts so that no scanner takes this file for a leak.
const j = (...parts: string[]) => parts.join('');

describe('SecretScrubber', () => {
  it('masks every occurrence of every secret like scrubSecrets', () => {
    const secrets = [
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_0123456789abcdefghijABCDEFGHIJ012345',
      'hunter2hunter2',
      'xy',
    ];
    const scrubber = new SecretScrubber(secrets);
    const text = `key=AKIAIOSFODNN7EXAMPLE token ghp_0123456789abcdefghijABCDEFGHIJ012345 and again AKIAIOSFODNN7EXAMPLE; pw hunter2hunter2! xyz`;
    const scrubbed = scrubber.scrub(text);
    expect(scrubbed).toBe(scrubSecrets(text, secrets));
    for (const secret of secrets) expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain(redactSecret('AKIAIOSFODNN7EXAMPLE').mask);
    expect(scrubber.scrub('nothing here')).toBe('nothing here');
    expect(new SecretScrubber().scrub(text)).toBe(text);
  });

  it('agrees with scrubSecrets on random texts and leaves no secret behind', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = 'abcdAB01_-:/ ';
    const word = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    // Secrets sharing prefixes, secrets inside others, secrets at text ends.
    const secrets = Array.from({ length: 40 }, () => word(4 + Math.floor(random() * 12)));
    secrets.push(`${secrets[0]}EXTRA`, `${secrets[1].slice(0, 5)}zz`);
    const scrubber = new SecretScrubber();
    for (const s of secrets) scrubber.add(s);
    const leaks: string[] = [];
    const disagreements: string[] = [];
    let compared = 0;
    for (let n = 0; n < 300; n++) {
      const parts = Array.from({ length: 6 }, () =>
        random() < 0.4 ? secrets[Math.floor(random() * secrets.length)] : word(Math.floor(random() * 8)),
      );
      const text = parts.join('');
      const scrubbed = scrubber.scrub(text);
      // No secret that was present survives, unless the masks themselves spell it (they cannot:
      // masks contain '…', which no secret here does).
      for (const s of secrets) {
        if (text.includes(s) && scrubbed.includes(s)) leaks.push(`${s} in ${scrubbed}`);
      }
      // Without overlapping secrets the result is exactly the split/join one.
      const present = secrets.filter(s => text.includes(s));
      const overlapping = present.some(a =>
        present.some(b => a !== b && (a.includes(b) || overlaps(text, a, b))),
      );
      if (!overlapping) {
        compared += 1;
        if (scrubbed !== scrubSecrets(text, secrets)) disagreements.push(text);
      }
    }
    expect(leaks).toEqual([]);
    expect(disagreements).toEqual([]);
    // Most texts had secrets that do not overlap: the comparison did run.
    expect(compared).toBeGreaterThan(100);
  });

  it('leaves texts without secrets untouched with a thousand secrets known', () => {
    const secrets = Array.from({ length: 1000 }, (_, i) => `sk_live_${String(i).padStart(24, '0')}`);
    const scrubber = new SecretScrubber(secrets);
    const text = `plain text without secrets `.repeat(20);
    expect(scrubber.scrub(text)).toBe(text);
    expect(scrubber.size).toBe(1000);
  });

  it('masks a secret added after a text was scrubbed, in that text too', () => {
    const secret = j('sk_live_', 'remembered0123456789');
    const short = `token=${secret}`;
    const long = `${'x'.repeat(2000)} ${secret}`;
    const scrubber = new SecretScrubber([j('ghp_', 'unrelated0123456789abcdef')]);
    // Scrubbed (and remembered) while the secret was not known yet.
    expect(scrubber.scrub(short)).toBe(short);
    expect(scrubber.scrub(short)).toBe(short);
    expect(scrubber.scrub(long)).toBe(long);
    scrubber.add(secret);
    expect(scrubber.scrub(short)).toBe(`token=${redactSecret(secret).mask}`);
    expect(scrubber.scrub(long)).not.toContain(secret);
  });

  it('gives the same answers for texts seen again, as many as there are', () => {
    const secrets = [j('AKIA', 'IOSFODNN7EXAMPLE'), j('hunter2', 'hunter2')];
    const scrubber = new SecretScrubber(secrets);
    const texts = Array.from({ length: 10_000 }, (_, i) =>
      i % 3 ? `entity ${i % 5000} holds ${secrets[i % 2]}` : `entity ${i} holds nothing`,
    );
    for (const round of [1, 2]) {
      for (const text of texts) {
        expect([round, scrubber.scrub(text)]).toEqual([round, scrubSecrets(text, secrets)]);
      }
    }
  });
});

/** Whether occurrences of a and b overlap anywhere in text. */
function overlaps(text: string, a: string, b: string) {
  for (let i = text.indexOf(a); i >= 0; i = text.indexOf(a, i + 1)) {
    for (let k = text.indexOf(b); k >= 0; k = text.indexOf(b, k + 1)) {
      if (i < k + b.length && k < i + a.length) return true;
    }
  }
  return false;
}

describe('redactSecret', () => {
  const FORMATTED: Array<[string, string, string]> = [
    ['AWS access key id', j('AKIA', 'IOSFODNN7EXAMPLE'), 'AKIA'],
    ['AWS temporary key id', j('ASIA', 'Y34FZKBOKMUTVV7A'), 'ASIA'],
    ['GitHub classic token', j('ghp_', 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5'), 'ghp_'],
    ['GitHub OAuth token', j('gho_', '16C7e42F292c6912E7710c838347Ae178B4a'), 'gho_'],
    ['GitHub user-to-server token', j('ghu_', '16C7e42F292c6912E7710c838347Ae178B4a'), 'ghu_'],
    ['GitHub server-to-server token', j('ghs_', '16C7e42F292c6912E7710c838347Ae178B4a'), 'ghs_'],
    ['GitHub refresh token', j('ghr_', '1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498'), 'ghr_'],
    ['GitHub fine-grained token', j('github_pat_', '11ABCDEFG0123456789abc_', 'x'.repeat(59)), 'github_pat_'],
    ['GitLab personal token', j('glpat-', 'Zx8Qm2Lr7Tn4Vb1Wc9Ke'), 'glpat-'],
    ['Slack bot token', j('xoxb-', '1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'), 'xoxb-'],
    ['Slack user token', j('xoxp-', '1234567890-1234567890123-1234567890123-0123456789abcdef0123456789abcdef'), 'xoxp-'],
    ['Slack workspace token', j('xoxa-', '2-1234567890-1234567890123-abcdef'), 'xoxa-'],
    ['Slack app-level token', j('xapp-', '1-A0123456789-1234567890123-0123456789abcdef'), 'xapp-'],
    ['Stripe live secret key', j('sk', '_live_', 'Zx8Qm2Lr7Tn4Vb1Wc9Ke5Hs'), 'sk_live_'],
    ['Stripe restricted key', j('rk', '_live_', 'Zx8Qm2Lr7Tn4Vb1Wc9Ke5Hs'), 'rk_live_'],
    ['SendGrid API key', j('SG.', 'ngeVfQFYQlKU0ufo8x5d1A', '.', 'TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr'), 'SG.'],
    ['Google API key', j('AIza', 'SyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe'), 'AIza'],
    ['npm token', j('npm_', 'Zx8Qm2Lr7Tn4Vb1Wc9Ke5HsZx8Qm2Lr7Tn4V'), 'npm_'],
    ['Vault service token', j('hvs.', 'CAESIJlXZ0i7E_8kx5dY2qzHnWAeR9tDb3S'), 'hvs.'],
    ['Vault legacy token', j('s.', 'Zx8Qm2Lr7Tn4Vb1Wc9Ke5HsA'), 's.'],
    [
      'RSA private key',
      j('-----BEGIN RSA ', 'PRIVATE KEY-----\nMIIEow', 'IBAAKCAQEA'.repeat(10), '\n-----END RSA ', 'PRIVATE KEY-----'),
      j('-----BEGIN RSA ', 'PRIVATE KEY-----'),
    ],
    [
      'OpenSSH private key',
      j('-----BEGIN OPENSSH ', 'PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA', '\n-----END OPENSSH ', 'PRIVATE KEY-----'),
      j('-----BEGIN OPENSSH ', 'PRIVATE KEY-----'),
    ],
    [
      'JWT',
      j('eyJ', 'hbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'),
      'eyJ',
    ],
  ];

  it.each(FORMATTED)('shows only the public prefix of a %s', (_, secret, prefix) => {
    const { mask } = redactSecret(secret);
    expect(mask).toBe(`${prefix}…(${secret.length} chars)`);
    expect(publicSecretPrefix(secret)).toBe(prefix);
    // Nothing after the prefix: not even the next character.
    expect(mask).not.toContain(secret.slice(0, prefix.length + 1));
  });

  const FORMATLESS: Array<[string, string]> = [
    ['AWS secret access key', j('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY')],
    ['password', 'correct horse battery staple'],
    ['short password', 'hunter2'],
    ['random hex', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b'],
    ['base64 key', j('Zx8Qm2Lr7Tn4Vb1Wc9Ke5Hs', 'A0b1C2d3E4f5G6h7I8j9K0l1M2n3O4p5Q6r7S8t9U0v1W2x3Y4z5A6b7C8d9E0f1G2h3I4j==')],
    ['Slack webhook secret', 'AbCdEfGhIjKlMnOpQrStUvWx'],
    ['password that starts like a GitHub token', 'ghp_mysecretpassword'],
    ['password that starts like an AWS key id', 'AKIA-my-password-2026'],
    ['password that starts like a JWT', 'eyJust a passphrase'],
    ['PEM header without a body', j('-----BEGIN RSA ', 'PRIVATE KEY-----')],
    ['one character', 'x'],
    ['empty', ''],
  ];

  it.each(FORMATLESS)('shows no character of a %s, only its length', (_, secret) => {
    const { mask } = redactSecret(secret);
    expect(mask).toBe(`…(${secret.length} chars)`);
    expect(publicSecretPrefix(secret)).toBe('');
  });

  it('keeps the mask shape and the fingerprints', () => {
    for (const [, secret] of [...FORMATTED.map(([a, b]) => [a, b]), ...FORMATLESS]) {
      expect(redactSecret(secret).mask).toMatch(/…\(\d+ chars\)$/);
    }
    // Fingerprints do not depend on the mask: the same digests as before.
    expect(redactSecret('hunter2').fingerprint).toBe(
      `sha256:${createHash('sha256').update('security-posture:hunter2').digest('hex').slice(0, 16)}`,
    );
    expect(redactSecret('hunter2', 'k').fingerprint).toBe(
      `hmac:${createHmac('sha256', 'k').update('hunter2').digest('hex').slice(0, 16)}`,
    );
  });

  it('never shows the first 4 characters of a planted secret unless they are a public prefix', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const ALPHABETS = [
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/',
      '0123456789abcdef',
      'abcdefghijklmnopqrstuvwxyz0123456789!#%&*-_.~ ',
    ];
    const body = (length: number) => {
      const alphabet = ALPHABETS[Math.floor(random() * ALPHABETS.length)];
      return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    };
    // Formatted secrets with random bodies, formatless ones, and known prefixes with bodies
    // of the wrong shape.
    const heads = ['', '', '', 'AKIA', 'ghp_', 'xoxb-', 'sk_live_', 'SG.', 'AIza', 'eyJ', 'hvs.', 's.', 'npm_', 'glpat-'];
    // The test's own list of what may be shown: public prefixes, and nothing else.
    const PUBLIC = /^(?:|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|gl[a-z]{2,4}-|xox[abprse]-|xapp-|[sr]k_(?:live|test)_|SG\.|AIza|npm_|hv[sbr]\.|s\.|eyJ|-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----)$/;
    const secrets = [
      ...FORMATTED.map(([, s]) => s),
      ...FORMATLESS.map(([, s]) => s),
      ...Array.from({ length: 5000 }, () => {
        const head = heads[Math.floor(random() * heads.length)];
        return head + body(1 + Math.floor(random() * 60));
      }),
    ];
    const problems: string[] = [];
    let formatless = 0;
    for (const secret of secrets) {
      const { mask } = redactSecret(secret);
      const shown = mask.slice(0, mask.lastIndexOf('…('));
      if (mask !== `${shown}…(${secret.length} chars)`) problems.push(`shape: ${mask}`);
      if (!PUBLIC.test(shown)) problems.push(`not a public prefix: ${mask}`);
      if (!secret.startsWith(shown)) problems.push(`not the secret's own prefix: ${mask}`);
      const head = secret.slice(0, 4);
      if (head.length === 4 && mask.includes(head) && !shown.startsWith(head)) {
        problems.push(`first 4 characters of ${JSON.stringify(secret)} in ${mask}`);
      }
      if (shown === '') formatless += 1;
      // A text with the secret planted, scrubbed, holds the mask and not the secret's head
      // (beyond a public prefix).
      const text = `token: ${secret} ; again ${secret}`;
      const scrubbed = new SecretScrubber([secret]).scrub(text);
      if (secret.length >= 4 && !PUBLIC.test(head) && !shown.startsWith(head) && scrubbed.includes(head)) {
        if (!text.replace(new RegExp(escape(secret), 'g'), '').includes(head)) {
          problems.push(`planted ${JSON.stringify(secret)} left its head in ${scrubbed}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(formatless).toBeGreaterThan(2000); // the sweep covered formatless secrets
    expect(secrets.length - formatless).toBeGreaterThan(100); // and formatted ones
  });
});

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
