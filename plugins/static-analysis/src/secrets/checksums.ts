import { createHash } from 'node:crypto';

// Built-in checksums of token formats: a shape match whose checksum fails is almost always a
// placeholder, a truncated copy or random text, so validating them cuts false positives.

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE) of the UTF-8 bytes of `text`; `zlib.crc32` needs Node 20.15+, so our own. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc = CRC32_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 with leading zeros up to `width`, as GitHub and npm encode their token checksums. */
export function base62(value: number, width: number): string {
  let n = value;
  let out = '';
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, '0');
}

/**
 * GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens end in six base62
 * characters that encode the CRC-32 of the random part before them.
 */
export function hasValidCrc32Checksum(token: string): boolean {
  const body = token.slice(token.indexOf('_') + 1);
  if (body.length <= 6) return false;
  return base62(crc32(body.slice(0, -6)), 6) === body.slice(-6);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let buffer = 0;
  let out = '';
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** Length of a fine-grained token's checksummed part: `github_pat_` + 22 + `_` + 43. */
const FINE_GRAINED_BODY_LENGTH = 77;

/**
 * Fine-grained GitHub tokens (`github_pat_` + 82 characters): characters 78–85 are the first
 * eight base32 characters of the SHA-256 of the 77 before them. GitHub does not document this;
 * it holds for every real (revoked) sample we could check and for no random string.
 */
export function hasValidFineGrainedChecksum(token: string): boolean {
  if (token.length < FINE_GRAINED_BODY_LENGTH + 8) return false;
  const body = token.slice(0, FINE_GRAINED_BODY_LENGTH);
  const expected = base32(createHash('sha256').update(body).digest()).slice(0, 8);
  return token.slice(FINE_GRAINED_BODY_LENGTH, FINE_GRAINED_BODY_LENGTH + 8) === expected;
}
