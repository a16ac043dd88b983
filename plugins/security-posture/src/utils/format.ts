import {
  FindingTarget,
  ScanStatus,
} from '@security-posture/plugin-security-posture-common';

function isValidDate(date: Date) {
  return !Number.isNaN(date.getTime());
}

/** `2026-11-29` (UTC), stable across locales and time zones. */
export function formatDate(iso?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return isValidDate(date) ? date.toISOString().slice(0, 10) : iso;
}

/** `2026-11-29 14:05 UTC`. */
export function formatDateTime(iso?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return isValidDate(date)
    ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : iso;
}

const SCAN_STATUS_LABELS: Record<ScanStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  partial: 'Partial',
  failed: 'Failed',
};

export function scanStatusLabel(status: ScanStatus): string {
  return SCAN_STATUS_LABELS[status] ?? status;
}

/** A short human description of what a finding is about, for non-entity targets. */
export function describeTarget(target: FindingTarget): string {
  switch (target.type) {
    case 'entity':
    case 'template':
      return target.entityRef;
    case 'config':
      return `config: ${target.path}`;
    case 'package':
      return target.version
        ? `package: ${target.name}@${target.version}`
        : `package: ${target.name}`;
    case 'deployment':
      return 'deployment';
    default:
      return 'unknown';
  }
}

const CATEGORY_LABELS: Record<string, string> = {
  auth: 'Authentication',
  permissions: 'Permissions',
  plugins: 'Plugins',
  templates: 'Templates',
  catalog: 'Catalog',
  runtime: 'Runtime',
  detections: 'Detections',
};

export function categoryLabel(category: string): string {
  return (
    CATEGORY_LABELS[category] ??
    category.charAt(0).toLocaleUpperCase('en-US') + category.slice(1)
  );
}

/** Scores with at most one decimal: `72.5`, `80`. */
export function formatScore(score: number): string {
  return Number.isInteger(score) ? String(score) : score.toFixed(1);
}

/** `+4.2` points; gains below 0.1 show as `<0.1`. */
export function formatGain(gain: number): string {
  if (gain <= 0) return '0';
  if (gain < 0.1) return '<0.1';
  return `+${gain.toFixed(1).replace(/\.0$/, '')}`;
}

export function plural(count: number, singular: string, pluralForm?: string) {
  return `${count} ${count === 1 ? singular : pluralForm ?? `${singular}s`}`;
}
