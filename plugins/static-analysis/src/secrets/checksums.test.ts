import { createHash } from 'node:crypto';
import { base62, crc32, hasValidCrc32Checksum, hasValidFineGrainedChecksum } from './checksums';

describe('token checksums', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it('encodes base62 with leading zeros', () => {
    expect(base62(0, 6)).toBe('000000');
    expect(base62(61, 2)).toBe('0z');
    expect(base62(62, 2)).toBe('10');
    expect(base62(0xffffffff, 6)).toBe('4gfFC3');
  });

  // A published test vector of the GitHub/npm checksum (a zero-padded one), not a token.
  it('validates the CRC-32 checksum of GitHub and npm style tokens', () => {
    expect(hasValidCrc32Checksum('b62_QdwULL38u41vs1OcAjhKqcaSZ9W63r0Zu4ln')).toBe(true);
    expect(hasValidCrc32Checksum('b62_QdwULL38u41vs1OcAjhKqcaSZ9W63r0Zu4lm')).toBe(false);
    expect(hasValidCrc32Checksum('b62_QdwULL38u41vs1OcAjhKqcaSZ9W63s0Zu4ln')).toBe(false);
    expect(hasValidCrc32Checksum('b62_short')).toBe(false);
  });

  it('validates fine-grained tokens against the SHA-256/base32 rule', () => {
    const body = ['github', '_pat_', '11ABCDEFGHIJ0123456789', '_', 'a'.repeat(43)].join('');
    expect(body).toHaveLength(77);
    // RFC 4648 base32 of the digest, written out independently of the implementation.
    const digest = createHash('sha256').update(body).digest();
    let bits = '';
    for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let checksum = '';
    for (let i = 0; i < 40; i += 5) checksum += alphabet[parseInt(bits.slice(i, i + 5), 2)];
    const token = `${body}${checksum}Zz9Yy8Xx`;
    expect(token).toHaveLength(93);
    expect(hasValidFineGrainedChecksum(token)).toBe(true);
    const broken = `${body}${checksum.slice(0, 7)}${checksum[7] === 'A' ? 'B' : 'A'}Zz9Yy8Xx`;
    expect(hasValidFineGrainedChecksum(broken)).toBe(false);
    expect(hasValidFineGrainedChecksum(body)).toBe(false);
  });
});
