import { redactSecret, scrubSecrets, SecretScrubber } from './redaction';

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
});

/** Whether occurrences of a and b overlap anywhere in text. */
function overlaps(text: string, a: string, b: string) {
  for (let i = text.indexOf(a); i >= 0; i = text.indexOf(a, i + 1)) {
    for (let j = text.indexOf(b); j >= 0; j = text.indexOf(b, j + 1)) {
      if (i < j + b.length && j < i + a.length) return true;
    }
  }
  return false;
}
