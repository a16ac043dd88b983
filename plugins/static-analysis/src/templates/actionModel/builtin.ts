import { ActionInputModel, ActionModel, SinkKind } from './types';

/** Inputs of one kind, with shared options. */
export function inputs(
  names: string[],
  kind: SinkKind,
  extra: Omit<ActionInputModel, 'input' | 'kind'> = {},
): ActionInputModel[] {
  return names.map(input => ({ input, kind, ...extra }));
}

const SCAFFOLDER = '@backstage/plugin-scaffolder-backend';

const confinedPath = (names: string[]) =>
  inputs(names, 'path', { confined: true });
const readerUrl = (names: string[]) => inputs(names, 'url', { confined: true });

/**
 * Actions of `@backstage/plugin-scaffolder-backend` 4.x and the cookiecutter/rails modules.
 * Paths go through `resolveSafeChildPath`; URLs through the URL reader.
 */
export const BUILT_IN_ACTIONS: ActionModel[] = [
  ...['fetch:plain', 'fetch:plain:file'].map(
    (action): ActionModel => ({
      action,
      module: SCAFFOLDER,
      credentials: 'backend-integration',
      inputs: [...readerUrl(['url']), ...confinedPath(['targetPath'])],
      complete: true,
    }),
  ),
  ...['fetch:template', 'fetch:template:file'].map(
    (action): ActionModel => ({
      action,
      module: SCAFFOLDER,
      credentials: 'backend-integration',
      inputs: [
        ...readerUrl(['url']),
        ...confinedPath(['targetPath']),
        ...inputs(['values.**'], 'disclosure'),
      ],
      complete: true,
    }),
  ),
  ...['workspace:template', 'workspace:template:file'].map(
    (action): ActionModel => ({
      action,
      module: SCAFFOLDER,
      credentials: 'none',
      inputs: [
        ...confinedPath(['sourcePath', 'targetPath']),
        ...inputs(['values.**'], 'disclosure'),
      ],
      complete: true,
    }),
  ),
  {
    action: 'fs:delete',
    module: SCAFFOLDER,
    credentials: 'none',
    inputs: confinedPath(['files.*']),
    destructive: 'workspace',
    complete: true,
  },
  {
    action: 'fs:rename',
    module: SCAFFOLDER,
    credentials: 'none',
    inputs: confinedPath(['files.*.from', 'files.*.to']),
    complete: true,
  },
  {
    action: 'fs:readdir',
    module: SCAFFOLDER,
    credentials: 'none',
    inputs: confinedPath(['paths.*']),
    complete: true,
  },
  {
    action: 'catalog:register',
    module: SCAFFOLDER,
    credentials: 'backend-service',
    // catalogInfoPath is a path inside the repository at repoContentsUrl, not in the workspace.
    inputs: readerUrl(['catalogInfoUrl', 'repoContentsUrl']),
    outputs: 'clean',
    complete: true,
  },
  {
    action: 'catalog:write',
    module: SCAFFOLDER,
    credentials: 'none',
    inputs: [
      ...confinedPath(['filePath']),
      ...inputs(['entity.**'], 'disclosure'),
    ],
    complete: true,
  },
  {
    action: 'catalog:fetch',
    module: SCAFFOLDER,
    credentials: 'backend-service',
    inputs: inputs(['entityRef', 'entityRefs.*'], 'entity-ref'),
    complete: true,
  },
  {
    action: 'debug:log',
    module: SCAFFOLDER,
    credentials: 'none',
    inputs: inputs(['message'], 'disclosure'),
    complete: true,
  },
  {
    action: 'debug:wait',
    module: SCAFFOLDER,
    credentials: 'none',
    inputs: [],
    complete: true,
  },
  // Cookiecutter hooks and Rails application templates run code from the fetched URL.
  ...['fetch:cookiecutter', 'fetch:rails'].map(
    (action): ActionModel => ({
      action,
      module: `@backstage/plugin-scaffolder-backend-module-${
        action === 'fetch:rails' ? 'rails' : 'cookiecutter'
      }`,
      credentials: 'backend-integration',
      inputs: [
        ...inputs(['url'], 'command'),
        // Listed before values.** (the first matching input wins).
        ...(action === 'fetch:rails'
          ? inputs(['values.railsArguments.**'], 'command')
          : []),
        ...confinedPath(['targetPath']),
        ...inputs(['values.**'], 'disclosure'),
      ],
      complete: true,
    }),
  ),
];
