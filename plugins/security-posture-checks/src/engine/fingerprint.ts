import { createHash } from 'node:crypto';
import { FindingTarget } from '@security-posture/plugin-security-posture-common';
import { lowerCaseEn } from '@security-posture/static-analysis';

export function targetKey(target: FindingTarget): string {
  switch (target.type) {
    case 'entity':
    case 'template':
      return `${target.type}:${lowerCaseEn(target.entityRef)}`;
    case 'config':
      return `config:${target.path}`;
    case 'package':
      return `package:${target.name}@${target.version ?? ''}`;
    default:
      return 'deployment';
  }
}

/** Stable identity of a finding across scans: check + target + location. */
export function findingFingerprint(
  checkId: string,
  target: FindingTarget,
  location = '',
): string {
  return createHash('sha256')
    .update(`${checkId}\u0000${targetKey(target)}\u0000${location}`)
    .digest('hex')
    .slice(0, 32);
}
