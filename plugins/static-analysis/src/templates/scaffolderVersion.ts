import semver from 'semver';

/** Whether the deployment's scaffolder keeps user-chosen paths inside the task workspace. */
export interface ScaffolderConfinement {
  status: 'patched' | 'vulnerable' | 'unknown';
  /** `@backstage/plugin-scaffolder-backend` version, when known. */
  version?: string;
  /** Advisory ids whose range holds the version. */
  advisories: string[];
  /** Where the version came from, or why it is unknown. */
  reason: string;
}

/**
 * Scaffolder advisories that let a path chosen in a template leave the workspace. Ranges from
 * the GitHub advisories (the bundled advisory dataset carries the same rows).
 */
export const WORKSPACE_ESCAPE_ADVISORIES: ReadonlyArray<{
  id: string;
  range: string;
  summary: string;
}> = [
  {
    id: 'GHSA-mg3m-f475-28hv',
    range: '<0.15.14',
    summary: 'targetPath path traversal',
  },
  {
    id: 'GHSA-rq6q-wr2q-7pgp',
    range: '<2.2.2 || >=3.0.0 <3.0.2 || >=3.1.0 <3.1.1',
    summary: 'symlink traversal in fs:delete, debug:log and archive extraction',
  },
];

/** Judges a `@backstage/plugin-scaffolder-backend` version (undefined: not known). */
export function scaffolderConfinement(
  version: string | undefined,
  source: string,
): ScaffolderConfinement {
  const parsed = version ? semver.coerce(version) : null;
  if (!version || !parsed) {
    return {
      status: 'unknown',
      advisories: [],
      reason: version
        ? `scaffolder-backend version '${version}' (${source}) is not a version`
        : `scaffolder-backend version unknown (${source})`,
    };
  }
  const advisories = WORKSPACE_ESCAPE_ADVISORIES.filter(a =>
    semver.satisfies(parsed, a.range),
  ).map(a => a.id);
  return {
    status: advisories.length > 0 ? 'vulnerable' : 'patched',
    version: parsed.version,
    advisories,
    reason:
      advisories.length > 0
        ? `scaffolder-backend ${
            parsed.version
          } (${source}) is in the range of ${advisories.join(', ')}`
        : `scaffolder-backend ${parsed.version} (${source}) has the workspace-escape fixes`,
  };
}
