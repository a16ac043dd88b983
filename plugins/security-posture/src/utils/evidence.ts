import { Finding } from '@security-posture/plugin-security-posture-common';

/** What a secret mask is: never the secret, at most the public prefix and the length. */
export const MASKED_SECRET_LABEL = 'Masked secret';
export const MASKED_SECRET_EXPLANATION =
  'first characters of a public prefix at most, and length';

/** Why a token's checksum matters, for `evidence.checksum`. */
export function checksumExplanation(value: unknown): string | undefined {
  if (value === 'invalid') {
    return "The token's built-in checksum does not match: likely mistyped or truncated, still treat as exposed.";
  }
  if (value === 'valid') {
    return "The token's built-in checksum matches: it was issued by its provider, not made up.";
  }
  return undefined;
}

/** A leaked secret (masked), as opposed to a reference or an exposure of an entity. */
export function isSecretFinding(finding: Finding): boolean {
  const evidence = finding.evidence ?? {};
  return (
    typeof evidence.secretMask === 'string' ||
    typeof evidence.secretKind === 'string' ||
    evidence.classification === 'secret'
  );
}
