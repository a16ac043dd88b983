import { detectSecrets, MAX_DETECTION_LENGTH, SecretMatch } from '@security-posture/static-analysis';

/**
 * Runs the catalog's secret detectors over the raw text of a file, in pieces that end at line
 * breaks so each stays within what the detectors accept (a multi-line private key can only be
 * cut in files larger than that). Offsets are into the whole text.
 */
export function findSecretsInText(text: string, pieceLength = MAX_DETECTION_LENGTH): SecretMatch[] {
  const found: SecretMatch[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + pieceLength);
    if (end < text.length) {
      const lineBreak = text.lastIndexOf('\n', end - 1);
      if (lineBreak > start) end = lineBreak + 1;
    }
    for (const match of detectSecrets(text.slice(start, end))) {
      found.push({ ...match, start: match.start + start, end: match.end + start });
    }
    start = end;
  }
  return found;
}
