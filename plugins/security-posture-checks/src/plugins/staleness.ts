import semver from 'semver';
import { VersionsBehind } from '@security-posture/plugin-security-posture-common';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How far `installed` is behind `latest`; undefined when it is not behind (or unknown). */
export function versionsBehind(
  installed: string,
  latest: string | undefined,
  publishedVersions: Iterable<string> = [],
): VersionsBehind | undefined {
  const from = semver.parse(installed);
  const to = latest ? semver.parse(latest) : null;
  if (!from || !to || semver.gte(from, to)) return undefined;
  const major = to.major - from.major;
  const minor = major ? 0 : to.minor - from.minor;
  const patch = major || minor ? 0 : to.patch - from.patch;
  let releases = 0;
  for (const version of publishedVersions) {
    const parsed = semver.parse(version);
    if (parsed && !parsed.prerelease.length && semver.gt(parsed, from) && semver.lte(parsed, to)) {
      releases += 1;
    }
  }
  return {
    major,
    minor,
    patch,
    releases,
    breaking: major > 0 || (from.major === 0 && minor > 0),
  };
}

/** Whole days from an ISO date to `now`; undefined for a missing or unparsable date. */
export function daysSince(isoDate: string | undefined, now: number): number | undefined {
  if (!isoDate) return undefined;
  const at = Date.parse(isoDate);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.floor((now - at) / DAY_MS));
}

/** `2 majors`, `3 minors`, `1 patch` — the largest part that differs. */
export function describeBehind(behind: VersionsBehind): string {
  let count = behind.patch;
  let unit = 'patch';
  let units = 'patches';
  if (behind.major) [count, unit, units] = [behind.major, 'major', 'majors'];
  else if (behind.minor) [count, unit, units] = [behind.minor, 'minor', 'minors'];
  const plural = count === 1 ? unit : units;
  const releases = behind.releases === 1 ? '1 release' : `${behind.releases} releases`;
  return `${count} ${plural} behind${behind.releases ? ` (${releases})` : ''}`;
}
