import { detectSecrets } from '../secrets/secretDetectors';
import { isObject, joinDisplay, MAX_INPUT_DEPTH } from './templateShapes';
import { FindingInput } from './analyzerTypes';

const MAX_SECRET_SCAN = 256 * 1024;

/** Calls `visit` for every string in a subtree, with its display path and nearest key. */
export function forEachString(
  root: unknown,
  base: string,
  visit: (value: string, display: string, key: string) => void,
) {
  const walk = (
    value: unknown,
    display: string,
    key: string,
    depth: number,
  ) => {
    if (depth > MAX_INPUT_DEPTH) return;
    if (Array.isArray(value))
      value.forEach((v, i) => walk(v, joinDisplay(display, i), key, depth + 1));
    else if (isObject(value))
      for (const [k, v] of Object.entries(value))
        walk(v, joinDisplay(display, k), k, depth + 1);
    else if (typeof value === 'string') visit(value, display, key);
  };
  walk(root, base, '', 0);
}

/** `hardcoded-secret` findings of one literal string: the credentials the detectors find in it. */
export function literalSecretFindings(
  value: string,
  location: string,
  key: string,
  context: { stepId?: string; action?: string; inputPath?: string },
): FindingInput[] {
  // Expressions are not secrets; the catalog's detectors judge the literal text around them.
  if (value.length > MAX_SECRET_SCAN) return [];
  const findings: FindingInput[] = [];
  for (const match of detectSecrets(value, { key, path: location })) {
    if (match.example) continue;
    findings.push({
      location: `${location}#${match.kind}`,
      ...context,
      severity: match.severity === 'critical' ? 'critical' : 'high',
      message: `${location} contains a literal ${match.kind}`,
      evidence: { field: location, kind: match.kind },
      secret: { value: match.value, kind: match.kind },
    });
  }
  return findings;
}
