import { inputs } from './builtin';
import { ActionModel } from './types';

const ROADIE_UTILS = '@roadiehq/scaffolder-backend-module-utils';
const ROADIE_HTTP = '@roadiehq/scaffolder-backend-module-http-request';

function roadieUtils(
  action: string,
  model: Partial<ActionModel> = {},
): ActionModel {
  return {
    action,
    module: ROADIE_UTILS,
    credentials: 'none',
    // The utils resolve every path with resolveSafeChildPath: they stay in the workspace.
    inputs: inputs(
      [
        'path',
        'paths.*',
        'outputPath',
        'writeOutputPath',
        'files.*.file',
        'files.*',
        'targetPath',
        'sourcePath',
      ],
      'path',
      { confined: true },
    ),
    complete: true,
    ...model,
  };
}

const JSONATA_ACTIONS = [
  'roadiehq:utils:jsonata',
  'roadiehq:utils:jsonata:json:transform',
  'roadiehq:utils:jsonata:yaml:transform',
];

/** Widely installed community modules whose semantics are known. */
export const COMMUNITY_ACTIONS: ActionModel[] = [
  // JSONata is an expression language evaluated on the backend.
  ...JSONATA_ACTIONS.map(action =>
    roadieUtils(action, {
      inputs: [
        ...inputs(['expression'], 'command', { sandboxed: true }),
        ...inputs(['path', 'writeOutputPath'], 'path', { confined: true }),
      ],
      outputs: 'echo',
    }),
  ),
  // Content written into a workspace file: disclosed in the new repository.
  ...[
    'roadiehq:utils:fs:write',
    'roadiehq:utils:fs:append',
    'roadiehq:utils:merge',
    'roadiehq:utils:json:merge',
  ].map(action =>
    roadieUtils(action, {
      inputs: [
        ...inputs(['path'], 'path', { confined: true }),
        ...inputs(['content', 'content.**'], 'disclosure'),
      ],
    }),
  ),
  roadieUtils('roadiehq:utils:fs:replace', {
    inputs: [
      ...inputs(['files.*.file', 'files.*'], 'path', { confined: true }),
      ...inputs(['files.*.replaceWith'], 'disclosure'),
    ],
  }),
  ...['roadiehq:utils:serialize:yaml', 'roadiehq:utils:serialize:json'].map(
    action => roadieUtils(action, { inputs: [], outputs: 'echo' }),
  ),
  roadieUtils('roadiehq:utils:*'),

  // A request to a Backstage backend plugin (the first path segment names it) on behalf of the
  // user; `/proxy/*` paths reach whatever the proxy is configured with, including the headers
  // (tokens) it injects. The step's credentials are decided per step (see stepCredentials).
  {
    action: 'http:backstage:request',
    module: ROADIE_HTTP,
    credentials: 'backend-service',
    inputs: [
      ...inputs(['path'], 'url', { confined: true }),
      ...inputs(['headers.**'], 'credential'),
      ...inputs(['body.**', 'params.**'], 'disclosure'),
    ],
    outputs: 'clean',
    complete: true,
  },
  {
    action: 'http:request',
    module: 'custom http:request actions',
    credentials: 'none',
    inputs: [
      ...inputs(['url'], 'url'),
      ...inputs(['headers.**'], 'credential'),
      ...inputs(['body.**', 'params.**'], 'disclosure'),
    ],
    complete: true,
  },

  // Argo CD fetches the repository itself; the backend only creates the Application.
  {
    action: 'argocd:create-resources',
    module: '@roadiehq/scaffolder-backend-argocd',
    credentials: 'backend-integration',
    inputs: [],
    complete: true,
  },

  // Manifests applied with the backend's cluster credentials.
  ...['kube:apply', 'kubernetes:apply'].map(
    (action): ActionModel => ({
      action,
      module: 'Kubernetes scaffolder actions',
      credentials: 'backend-integration',
      inputs: inputs(
        ['manifest', 'manifest.**', 'manifests.**'],
        'cluster-write',
      ),
      complete: false,
    }),
  ),
  // Sends the user's own token to the API server it is given.
  {
    action: 'kubernetes:create-namespace',
    module: '@backstage-community/plugin-scaffolder-backend-module-kubernetes',
    credentials: 'backend-integration',
    tokenInput: 'token',
    inputs: [
      ...inputs(['url'], 'url'),
      ...inputs(['namespace'], 'cluster-write'),
      ...inputs(['skipTLSVerify'], 'settings', { insecureValues: [true] }),
    ],
    complete: true,
  },
  // Workflows run by the orchestrator backend, which enforces its own RBAC for the initiator.
  ...['orchestrator:workflow:run', 'orchestrator:workflow:get_params'].map(
    (action): ActionModel => ({
      action,
      module:
        '@red-hat-developer-hub/backstage-plugin-scaffolder-backend-module-orchestrator',
      credentials: 'backend-service',
      inputs: [],
      complete: true,
    }),
  ),
  {
    action: 'azure:pipeline:run',
    module:
      '@backstage-community/plugin-scaffolder-backend-module-azure-devops',
    credentials: 'backend-integration',
    tokenInput: 'token',
    inputs: [
      ...inputs(['token'], 'credential'),
      ...inputs(
        ['pipelineId', 'branch', 'templateParameters.**'],
        'workflow-input',
      ),
    ],
    complete: true,
  },
  {
    action: 'bitbucket:pipelines:run',
    module: '@backstage/plugin-scaffolder-backend-module-bitbucket-cloud',
    credentials: 'backend-integration',
    tokenInput: 'token',
    inputs: [
      ...inputs(['token'], 'credential'),
      ...inputs(['body.**'], 'workflow-input'),
    ],
    complete: true,
  },
  {
    action: 'run:yeoman',
    module: '@backstage/plugin-scaffolder-backend-module-yeoman',
    credentials: 'none',
    inputs: inputs(['namespace', 'args', 'args.*', 'options.**'], 'command'),
    complete: true,
  },

  // Remote job launches run commands on other systems with the integration's rights.
  {
    action: 'rundeck:job:execute',
    module: 'Rundeck scaffolder actions',
    credentials: 'backend-integration',
    inputs: inputs(['jobId', 'args', 'args.**', 'options.**'], 'command'),
    remoteExecution: true,
    complete: true,
  },
  // Ansible Automation Platform: launched with the `token` input (usually the user's own).
  {
    action: 'rhaap:launch-job-template',
    module: '@ansible/plugin-scaffolder-backend-module-backstage-rhaap',
    credentials: 'backend-integration',
    tokenInput: 'token',
    inputs: [
      ...inputs(['token'], 'credential'),
      ...inputs(
        [
          'values.template',
          'values.template.**',
          'values.extraVariables.**',
          'values.limit',
          'values.jobTags',
          'values.skipTags',
        ],
        'command',
      ),
    ],
    outputs: 'clean',
    remoteExecution: true,
    complete: true,
  },

  // Notifications reach other users: a user-chosen link in a broadcast is a phishing channel.
  {
    action: 'notification:send',
    module: '@backstage/plugin-scaffolder-backend-module-notifications',
    credentials: 'backend-service',
    inputs: [...inputs(['link'], 'notification-link')],
    complete: true,
  },
];
