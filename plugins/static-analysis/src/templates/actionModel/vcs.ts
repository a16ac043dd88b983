import { inputs } from './builtin';
import { ActionInputModel, ActionModel } from './types';

const GITHUB = '@backstage/plugin-scaffolder-backend-module-github';
const GITLAB = '@backstage/plugin-scaffolder-backend-module-gitlab';

// Hosts in `repoUrl` must match a configured integration: the backend never calls other hosts.
const repo = inputs(['repoUrl'], 'repo', { confined: true });
const token = inputs(['token'], 'credential');
const sourcePath = inputs(['sourcePath', 'targetPath'], 'path', {
  confined: true,
});
// Pull and merge requests: `targetPath` is a path inside the target repository (the change is
// reviewed there), only `sourcePath` is read from the workspace.
const workspaceSource = inputs(['sourcePath'], 'path', { confined: true });
const metadata = inputs(
  ['description', 'homepage', 'gitCommitMessage', 'topics.*', 'title'],
  'disclosure',
);

/** Repository settings the publish actions accept; the listed literals are insecure on their own. */
const repoSettings: ActionInputModel[] = [
  ...inputs(['repoVisibility'], 'settings', { insecureValues: ['public'] }),
  ...inputs(['protectDefaultBranch', 'protectEnforceAdmins'], 'settings', {
    insecureValues: [false],
  }),
  ...inputs(['requiredApprovingReviewCount'], 'settings', {
    insecureValues: [0],
  }),
  ...inputs(['collaborators.*.access'], 'settings', {
    insecureValues: ['admin'],
  }),
  ...inputs(
    [
      'access',
      'collaborators.*.user',
      'collaborators.*.team',
      'collaborators.*.username',
      'bypassPullRequestAllowances.**',
      'restrictions.**',
    ],
    'settings',
  ),
  ...inputs(['repoVariables.**'], 'disclosure'),
  ...inputs(['secrets.**'], 'credential'),
];

/** An action of a git-host module: `repoUrl` bound to an integration, an optional `token`. */
function gitHostAction(module: string) {
  return (
    action: string,
    extra: ActionInputModel[],
    options: Partial<ActionModel> = {},
  ): ActionModel => ({
    action,
    module,
    credentials: 'backend-integration',
    tokenInput: 'token',
    inputs: [...repo, ...token, ...extra],
    complete: true,
    ...options,
  });
}

const github = gitHostAction(GITHUB);
const gitlab = gitHostAction(GITLAB);

/**
 * The GitHub and GitLab modules, and every `publish:*` action (Bitbucket, Azure, Gitea, Gerrit
 * share the `repoUrl` / `sourcePath` / `token` shape).
 */
export const VCS_ACTIONS: ActionModel[] = [
  github('publish:github', [...sourcePath, ...repoSettings, ...metadata], {
    outputs: 'clean',
  }),
  github('github:repo:create', [...repoSettings, ...metadata], {
    outputs: 'clean',
  }),
  github('github:repo:push', [...sourcePath, ...repoSettings, ...metadata], {
    outputs: 'clean',
  }),
  github('publish:github:pull-request', [...workspaceSource, ...metadata], {
    outputs: 'clean',
  }),
  github(
    'github:actions:dispatch',
    inputs(
      ['workflowInputs.**', 'branchOrTagName', 'workflowId'],
      'workflow-input',
    ),
  ),
  github('github:webhook', [
    ...inputs(['webhookUrl'], 'url'),
    ...inputs(['webhookSecret'], 'credential'),
    ...inputs(['insecureSsl'], 'settings', { insecureValues: [true] }),
  ]),
  github('github:branch-protection:create', [
    ...inputs(['enforceAdmins'], 'settings', { insecureValues: [false] }),
    ...inputs(['requiredApprovingReviewCount'], 'settings', {
      insecureValues: [0],
    }),
    ...inputs(
      ['bypassPullRequestAllowances.**', 'restrictions.**'],
      'settings',
    ),
  ]),
  // `sourcePath` here is the Pages source folder ('/' or '/docs'), not a file path.
  github('github:pages:enable', []),
  github('github:environment:create', [
    ...inputs(['secrets.**'], 'credential'),
    ...inputs(['environmentVariables.**'], 'disclosure'),
  ]),
  github('github:deployKey:create', [...inputs(['privateKey'], 'credential')]),
  github('github:autolinks:create', []),
  github('github:issues:label', []),
  github('github:issues:create', metadata),
  // Other actions of the modules: repoUrl and token as above, the rest unknown.
  github('github:*', [], { complete: false }),

  gitlab('publish:gitlab', [...sourcePath, ...repoSettings, ...metadata], {
    outputs: 'clean',
  }),
  gitlab('publish:gitlab:merge-request', [...workspaceSource, ...metadata], {
    outputs: 'clean',
  }),
  gitlab('gitlab:repo:push', [...workspaceSource, ...metadata], {
    outputs: 'clean',
  }),
  gitlab(
    'gitlab:pipeline:trigger',
    inputs(['variables.**', 'branch'], 'workflow-input'),
  ),
  // Group paths are namespaces on the integration's host, not file paths.
  gitlab('gitlab:group:ensureExists', inputs(['path', 'path.*'], 'repo')),
  // CI/CD variables are where the project's tokens belong.
  gitlab('gitlab:projectVariable:create', inputs(['value'], 'credential')),
  gitlab('gitlab:*', [], { complete: false }),

  {
    action: 'publish:*',
    module: 'scaffolder publish modules',
    credentials: 'backend-integration',
    tokenInput: 'token',
    inputs: [...repo, ...token, ...sourcePath, ...repoSettings, ...metadata],
    outputs: 'clean',
    complete: true,
  },
];
