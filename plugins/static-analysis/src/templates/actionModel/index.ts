import { BUILT_IN_ACTIONS } from './builtin';
import { COMMUNITY_ACTIONS } from './community';
import { VCS_ACTIONS } from './vcs';
import { ActionModel } from './types';

export * from './types';

/**
 * What the analyser knows about scaffolder actions, as data: the built-in actions, the GitHub,
 * GitLab and publish modules, and widely installed community modules. Adopters describe their
 * own actions through the template-risk check's `sinks` option.
 */
export const ACTION_MODELS: readonly ActionModel[] = [
  ...BUILT_IN_ACTIONS,
  ...VCS_ACTIONS,
  ...COMMUNITY_ACTIONS,
];

function matches(pattern: string, actionId: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return actionId.startsWith(pattern.slice(0, -1));
  return pattern === actionId;
}

const EXACT = new Map(
  ACTION_MODELS.filter(m => !m.action.endsWith('*')).map(m => [m.action, m]),
);
// Longest prefix first, so `roadiehq:utils:*` wins over a shorter one.
const PREFIXES = ACTION_MODELS.filter(m => m.action.endsWith('*')).sort(
  (a, b) => b.action.length - a.action.length,
);

/** The model of an action: an exact entry, else the longest matching prefix entry. */
export function actionModelOf(actionId: string): ActionModel | undefined {
  return EXACT.get(actionId) ?? PREFIXES.find(m => matches(m.action, actionId));
}
