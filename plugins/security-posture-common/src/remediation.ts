/**
 * A fix that is mechanical enough to copy: the exact app-config keys to set, a line of backend
 * code, a command. Checks declare them in their metadata; the finding drawer shows the ones that
 * fit a finding with a copy button.
 */
export interface RemediationSnippet {
  /** What the snippet does, in one line. */
  title: string;
  language: 'yaml' | 'typescript' | 'shell';
  /** Where it goes, e.g. `app-config.production.yaml` or `packages/backend/src/index.ts`. */
  file?: string;
  code: string;
  /**
   * Config paths the snippet fixes: it is shown for findings whose config target is one of them
   * or lies under one (`backend.cors` fits `backend.cors.origin`). Without: for every finding of
   * the check.
   */
  configPaths?: string[];
}

/** `a.b` contains `a.b`, `a.b.c` and `a.b[0]`, not `a.bc`. */
function pathWithin(path: string, prefix: string): boolean {
  return (
    path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)
  );
}

/**
 * The snippets that fit a finding: those without config paths, and those with a path that
 * contains the finding's config target or location (or lies under it).
 */
export function snippetsForFinding(
  snippets: readonly RemediationSnippet[] | undefined,
  finding: { target: { type: string; path?: string }; location?: string },
): RemediationSnippet[] {
  const where = [
    finding.target.type === 'config' ? finding.target.path : undefined,
    finding.location,
  ].filter((p): p is string => Boolean(p));
  return (snippets ?? []).filter(
    snippet =>
      !snippet.configPaths?.length ||
      snippet.configPaths.some(prefix =>
        where.some(path => pathWithin(path, prefix) || pathWithin(prefix, path)),
      ),
  );
}
