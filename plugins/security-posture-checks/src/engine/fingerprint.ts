import { FindingTarget } from '@security-posture/plugin-security-posture-common';
import { lowerCaseEn } from '@security-posture/static-analysis';
import { digestText } from './digest';

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
  return digestText(
    'sha256',
    `${checkId}\u0000${targetKey(target)}\u0000${location}`,
    'hex',
  ).slice(0, 32);
}
