import { Leaf } from './templateShapes';

// Every pattern here runs on one bounded input value and is linear: anchored alternations,
// bounded repetitions, no nested quantifiers.

/** Files that define CI pipelines: text written into them runs on every push. */
export const CI_FILE =
  /(?:^|\/)(?:\.github\/workflows\/[^/]{1,200}\.ya?ml|\.gitlab-ci\.ya?ml|Jenkinsfile|azure-pipelines\.ya?ml|\.circleci\/config\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml|\.buildkite\/pipeline\.ya?ml)$/;

/** `git push --force`, `git push -f`, `--force-with-lease`, `+refs` are history rewrites. */
const GIT_FORCE_PUSH =
  /\bgit\s{1,10}push\b[^\n;&|]{0,300}?(?:\s--force(?:-with-lease)?\b|\s-f\b|\s\+[\w./-]{1,100}:)/;

const FORCE_KEYS = new Set(['force', 'forcePush', 'force_push']);
const ROLE_KEYS = new Set([
  'role',
  'permission',
  'permissions',
  'access_level',
  'accessLevel',
  'group_access',
]);
const PRIVILEGED_ROLES = new Set([
  'admin',
  'administrator',
  'owner',
  'maintain',
  'maintainer',
  'org_admin',
  '40',
  '50',
]);

/** The CI file a step writes, when its path input is a literal naming one. */
export function ciFileWritten(leaves: Leaf[]): string | undefined {
  for (const leaf of leaves) {
    const key = leaf.segments[leaf.segments.length - 1];
    if (key !== 'path' && key !== 'targetPath' && key !== 'filePath') continue;
    if (typeof leaf.value !== 'string' || leaf.value.length > 500) continue;
    const path = leaf.value.trim().replace(/^\.\//, '');
    if (CI_FILE.test(path)) return path;
  }
  return undefined;
}

export interface ForcePush {
  leaf: Leaf;
  how: string;
}

/** Literal force pushes among a step's inputs: `force: true`, or `git push --force` in a script. */
export function forcePushes(leaves: Leaf[]): ForcePush[] {
  const found: ForcePush[] = [];
  for (const leaf of leaves) {
    const key = leaf.segments[leaf.segments.length - 1];
    if (FORCE_KEYS.has(key) && (leaf.value === true || leaf.value === 'true')) {
      found.push({ leaf, how: `${key}: true` });
    } else if (
      key === 'allow_force_pushes' &&
      (leaf.value === true || leaf.value === 'true')
    ) {
      found.push({ leaf, how: 'allow_force_pushes: true' });
    } else if (
      typeof leaf.value === 'string' &&
      leaf.value.length <= 64 * 1024 &&
      GIT_FORCE_PUSH.test(leaf.value)
    ) {
      found.push({ leaf, how: 'git push --force in a script' });
    }
  }
  return found;
}

export interface PrivilegeChange {
  leaf: Leaf;
  what: string;
  /** The value is a literal (the template grants it to everyone who runs it). */
  literal: boolean;
}

/**
 * Body fields of a request that grant privileges or weaken protection: roles such as admin or
 * maintainer, `enforce_admins: false`, `required_approving_review_count: 0`,
 * `allow_deletions: true`. A field whose value comes from a parameter counts when the
 * parameter is free (`userChosen`).
 */
export function privilegeChanges(
  leaves: Leaf[],
  userChosen: (leaf: Leaf) => boolean,
): PrivilegeChange[] {
  const changes: PrivilegeChange[] = [];
  for (const leaf of leaves) {
    if (leaf.segments[0] !== 'body') continue;
    const key = leaf.segments[leaf.segments.length - 1];
    const value = leaf.value;
    const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
    if (ROLE_KEYS.has(key)) {
      if (
        (typeof text === 'string' || typeof text === 'number') &&
        PRIVILEGED_ROLES.has(String(text))
      ) {
        changes.push({ leaf, what: `${key}: ${String(value)}`, literal: true });
      } else if (userChosen(leaf)) {
        changes.push({
          leaf,
          what: `${key} chosen by the user`,
          literal: false,
        });
      }
    } else if (
      key === 'enforce_admins' &&
      (text === false || text === 'false')
    ) {
      changes.push({ leaf, what: 'enforce_admins: false', literal: true });
    } else if (
      key === 'required_approving_review_count' &&
      (text === 0 || text === '0')
    ) {
      changes.push({
        leaf,
        what: 'required_approving_review_count: 0',
        literal: true,
      });
    } else if (
      key === 'allow_deletions' &&
      (text === true || text === 'true')
    ) {
      changes.push({ leaf, what: 'allow_deletions: true', literal: true });
    }
  }
  return changes;
}

/** The HTTP method of a request step, upper-cased, when it is a literal. */
export function literalMethod(leaves: Leaf[]): string | undefined {
  const leaf = leaves.find(
    l => l.segments.length === 1 && l.segments[0] === 'method',
  );
  return typeof leaf?.value === 'string'
    ? leaf.value.trim().toUpperCase()
    : undefined;
}
