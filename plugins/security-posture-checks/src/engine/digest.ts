import { createHash, hash as oneShotHash } from 'node:crypto';

/**
 * A digest of a text, in one call where Node has it (20.12+): a scan digests a few texts per
 * entity, and a hash object per text cost more than the hashing itself (measured).
 */
export function digestText(
  algorithm: 'sha1' | 'sha256',
  text: string,
  encoding: 'hex' | 'base64',
): string {
  return typeof oneShotHash === 'function'
    ? oneShotHash(algorithm, text, encoding)
    : createHash(algorithm).update(text).digest(encoding);
}
