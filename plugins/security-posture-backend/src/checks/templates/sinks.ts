import { JsonPrimitive } from '@backstage/types';

/**
 * Where a value that reaches a scaffolder action input can do harm. Input names come from the
 * action sources: `@backstage/plugin-scaffolder-backend` 4.2 (`fetch:*`, `fs:*`, `catalog:*`,
 * `debug:log`, `workspace:template*`), `@backstage/plugin-scaffolder-backend-module-github`
 * (`publish:github`, `github:*`), and `@roadiehq/scaffolder-backend-module-http-request` /
 * `-utils` for the widely installed community actions.
 */
export type SinkKind =
  /** A file path inside (hopefully) the task workspace. */
  | 'path'
  /** A URL the backend fetches or calls, or hands to a third party. */
  | 'url'
  /** A shell command, script or expression language evaluated on the backend. */
  | 'command'
  /** Text that ends up somewhere others read it: task logs, generated files, repository metadata. */
  | 'disclosure'
  /** Which repository the backend's credentials create or push to. */
  | 'repo'
  /** Repository security settings: visibility, branch protection, collaborators, webhooks. */
  | 'settings'
  /** Inputs of a CI workflow the template dispatches. */
  | 'workflow-input'
  /** A catalog entity reference an action loads. */
  | 'entity-ref'
  /** An input meant to carry a credential (e.g. `token`): secrets belong here. */
  | 'credential';

export const SINK_KINDS: readonly SinkKind[] = [
  'path',
  'url',
  'command',
  'disclosure',
  'repo',
  'settings',
  'workflow-input',
  'entity-ref',
  'credential',
];

export interface SinkDefinition {
  /** Action id, or a prefix ending in `*` such as `publish:*`. */
  action: string;
  /** Dotted input path; `*` matches one key or array index, a trailing `**` any depth. */
  input: string;
  kind: SinkKind;
  /**
   * The action confines the value itself: path inputs through `resolveSafeChildPath` (workspace),
   * URL inputs through the backend's URL reader (`integrations.*` hosts + `backend.reading.allow`).
   */
  guarded?: boolean;
  /** For `settings`: literal values that are insecure on their own. */
  insecureValues?: JsonPrimitive[];
  /** Where the definition came from. */
  source?: 'built-in' | 'config' | 'actions-list' | 'name-heuristic';
}

export interface ActionTraits {
  /** Action id or prefix ending in `*`. */
  action: string;
  /** Outputs are built from integration data (e.g. the created repository's URL), not from inputs. */
  cleanOutput?: boolean;
  /** Deletes things: files in the workspace, or remote resources. */
  destructive?: 'workspace' | 'remote';
}

const FETCH_ACTIONS = [
  'fetch:plain',
  'fetch:plain:file',
  'fetch:template',
  'fetch:template:file',
];
const PUBLISH = 'publish:*';
const JSONATA_ACTIONS = [
  'roadiehq:utils:jsonata',
  'roadiehq:utils:jsonata:json:transform',
  'roadiehq:utils:jsonata:yaml:transform',
];

function sinks(
  actions: string[],
  inputs: string[],
  kind: SinkKind,
  extra: Partial<SinkDefinition> = {},
): SinkDefinition[] {
  return actions.flatMap(action =>
    inputs.map(input => ({
      action,
      input,
      kind,
      source: 'built-in' as const,
      ...extra,
    })),
  );
}

/** The built-in sink table. Adopters add custom actions through the check's `sinks` option. */
export const BUILT_IN_SINKS: SinkDefinition[] = [
  // Paths: every built-in resolves them with resolveSafeChildPath (GHSA-mg3m-f475-28hv fix).
  ...sinks(FETCH_ACTIONS, ['targetPath'], 'path', { guarded: true }),
  ...sinks(
    ['workspace:template', 'workspace:template:file'],
    ['sourcePath', 'targetPath'],
    'path',
    {
      guarded: true,
    },
  ),
  ...sinks(['fs:delete'], ['files.*'], 'path', { guarded: true }),
  ...sinks(['fs:rename'], ['files.*.from', 'files.*.to'], 'path', {
    guarded: true,
  }),
  ...sinks(['fs:readdir'], ['paths.*'], 'path', { guarded: true }),
  ...sinks(['catalog:write'], ['filePath'], 'path', { guarded: true }),
  ...sinks(
    [PUBLISH, 'github:repo:push', 'gitlab:repo:push'],
    ['sourcePath', 'targetPath'],
    'path',
    {
      guarded: true,
    },
  ),
  ...sinks(['fetch:cookiecutter', 'fetch:rails'], ['targetPath'], 'path', {
    guarded: true,
  }),
  // URLs read through the backend's URL reader.
  ...sinks(FETCH_ACTIONS, ['url'], 'url', { guarded: true }),
  ...sinks(['catalog:register'], ['catalogInfoUrl', 'repoContentsUrl'], 'url', {
    guarded: true,
  }),
  // URLs called directly.
  ...sinks(['http:backstage:request'], ['path'], 'url'),
  ...sinks(['http:request'], ['url'], 'url'),
  ...sinks(['github:webhook'], ['webhookUrl'], 'url'),
  // Commands: cookiecutter hooks and Rails application templates run code from the fetched URL.
  ...sinks(['fetch:cookiecutter', 'fetch:rails'], ['url'], 'command'),
  ...sinks(['fetch:rails'], ['values.railsArguments.**'], 'command'),
  ...sinks(JSONATA_ACTIONS, ['expression'], 'command'),
  ...sinks(JSONATA_ACTIONS, ['path', 'writeOutputPath'], 'path', {
    guarded: true,
  }),
  ...sinks(
    ['shell:execute', 'shell:run', 'shell:exec'],
    ['script', 'command', 'args.*', 'arguments.*'],
    'command',
  ),
  // Disclosure: task logs, generated files and repository metadata.
  ...sinks(['debug:log'], ['message'], 'disclosure'),
  ...sinks(
    [
      'fetch:template',
      'fetch:template:file',
      'workspace:template',
      'workspace:template:file',
      'fetch:cookiecutter',
      'fetch:rails',
    ],
    ['values.**'],
    'disclosure',
  ),
  ...sinks(['catalog:write'], ['entity.**'], 'disclosure'),
  ...sinks(
    [PUBLISH, 'github:repo:create'],
    ['description', 'homepage', 'gitCommitMessage', 'topics.*'],
    'disclosure',
  ),
  ...sinks([PUBLISH, 'github:repo:create'], ['repoVariables.**'], 'disclosure'),
  ...sinks(
    ['http:backstage:request', 'http:request'],
    ['body.**', 'params.**'],
    'disclosure',
  ),
  // Repository destinations.
  ...sinks(
    [
      PUBLISH,
      'github:repo:create',
      'github:repo:push',
      'gitlab:repo:push',
      'github:actions:dispatch',
      'github:webhook',
      'github:branch-protection:create',
    ],
    ['repoUrl'],
    'repo',
  ),
  // Repository security settings; the listed literals are insecure on their own.
  ...sinks([PUBLISH, 'github:repo:create'], ['repoVisibility'], 'settings', {
    insecureValues: ['public'],
  }),
  ...sinks(
    [PUBLISH],
    ['protectDefaultBranch', 'protectEnforceAdmins'],
    'settings',
    { insecureValues: [false] },
  ),
  ...sinks(
    [PUBLISH, 'github:branch-protection:create'],
    ['requiredApprovingReviewCount'],
    'settings',
    {
      insecureValues: [0],
    },
  ),
  ...sinks(['github:branch-protection:create'], ['enforceAdmins'], 'settings', {
    insecureValues: [false],
  }),
  ...sinks(
    [PUBLISH, 'github:repo:create', 'github:branch-protection:create'],
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
  ...sinks(
    [PUBLISH, 'github:repo:create'],
    ['collaborators.*.access'],
    'settings',
    { insecureValues: ['admin'] },
  ),
  ...sinks(['github:webhook'], ['insecureSsl'], 'settings', {
    insecureValues: [true],
  }),
  // CI workflow inputs (GitHub Actions `${{ inputs.x }}` in a `run:` script is shell injection).
  ...sinks(
    ['github:actions:dispatch'],
    ['workflowInputs.**', 'branchOrTagName', 'workflowId'],
    'workflow-input',
  ),
  ...sinks(
    ['gitlab:pipeline:trigger'],
    ['variables.**', 'branch'],
    'workflow-input',
  ),
  // Catalog entities loaded by reference.
  ...sinks(['catalog:fetch'], ['entityRef', 'entityRefs.*'], 'entity-ref'),
  // Inputs that exist to carry credentials.
  ...sinks(['*'], ['token'], 'credential'),
  ...sinks(['github:webhook'], ['webhookSecret'], 'credential'),
  ...sinks([PUBLISH, 'github:repo:create'], ['secrets.**'], 'credential'),
  ...sinks(
    ['http:backstage:request', 'http:request'],
    ['headers.**'],
    'credential',
  ),
];

export const BUILT_IN_TRAITS: ActionTraits[] = [
  { action: PUBLISH, cleanOutput: true },
  { action: 'github:repo:create', cleanOutput: true },
  { action: 'github:repo:push', cleanOutput: true },
  { action: 'catalog:register', cleanOutput: true },
  { action: 'fs:delete', destructive: 'workspace' },
];

/** Actions whose every relevant input is in the table (inputs not listed are harmless). */
export const KNOWN_ACTIONS = new Set([
  ...FETCH_ACTIONS,
  'workspace:template',
  'workspace:template:file',
  'fs:delete',
  'fs:rename',
  'fs:readdir',
  'catalog:write',
  'catalog:register',
  'catalog:fetch',
  'debug:log',
  'debug:wait',
  'github:repo:create',
  'github:repo:push',
  'github:actions:dispatch',
  'github:webhook',
  'github:branch-protection:create',
  'gitlab:repo:push',
  'http:backstage:request',
  'http:request',
  'fetch:cookiecutter',
  'fetch:rails',
  ...JSONATA_ACTIONS,
]);

const REMOTE_DESTRUCTIVE =
  /(?:^|:)(?:delete|destroy|remove|purge|archive)(?::|$)/;
const PATH_NAME =
  /(?:^|[a-z_-])(?:path|paths|dir|dirs|directory|file|files|folder|filename|filepath)$/i;
const URL_NAME = /(?:url|uri|urls|endpoint|webhook|host|hostname|baseurl)$/i;
const COMMAND_NAME =
  /^(?:command|commands|cmd|script|scripts|shell|args|arguments|expression|exec)$/i;
const CREDENTIAL_NAME =
  /(?:token|password|passwd|secret|apikey|api_key|credential|credentials|auth|authorization|privatekey)$/i;

export function matchesAction(pattern: string, actionId: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return actionId.startsWith(pattern.slice(0, -1));
  return pattern === actionId;
}

/**
 * Input path segments with array indexes written as `*`. A pattern ending in `.*` also matches
 * the collection itself, for inputs given as one expression (`files: ${{ parameters.list }}`).
 */
export function matchesInput(pattern: string, segments: string[]): boolean {
  const parts = pattern.split('.');
  if (
    parts.length > 1 &&
    parts[parts.length - 1] === '*' &&
    segments.length === parts.length - 1
  ) {
    return matchesInput(parts.slice(0, -1).join('.'), segments);
  }
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '**') return segments.length >= i;
    if (i >= segments.length) return false;
    if (parts[i] !== '*' && parts[i] !== segments[i]) return false;
  }
  return parts.length === segments.length;
}

/** What the scaffolder's `GET /v2/actions` says about one installed action. */
export interface InstalledAction {
  id: string;
  description?: string;
  schema?: { input?: unknown; output?: unknown };
}

function propertySchema(
  schema: unknown,
  segments: string[],
): Record<string, unknown> | undefined {
  let current: unknown = schema;
  for (const segment of segments) {
    if (!current || typeof current !== 'object') return undefined;
    const node = current as Record<string, unknown>;
    if (segment === '*' && node.items && typeof node.items === 'object') {
      current = node.items;
      continue;
    }
    const properties = node.properties as Record<string, unknown> | undefined;
    if (
      !properties ||
      typeof properties !== 'object' ||
      !(segment in properties)
    )
      return undefined;
    current = properties[segment];
  }
  return current && typeof current === 'object'
    ? (current as Record<string, unknown>)
    : undefined;
}

function kindFromName(name: string, description = ''): SinkKind | undefined {
  if (CREDENTIAL_NAME.test(name)) return 'credential';
  if (COMMAND_NAME.test(name)) return 'command';
  if (URL_NAME.test(name) || /\burl\b/i.test(description)) return 'url';
  if (
    PATH_NAME.test(name) ||
    /\b(?:file ?path|directory|folder)\b/i.test(description)
  )
    return 'path';
  return undefined;
}

export interface SinkMatch {
  sink?: SinkDefinition;
  /** The action is neither in the table nor described by the installed actions list. */
  unknownAction: boolean;
  /** The installed actions list did not list the action (only when the list was read). */
  notInstalled: boolean;
}

/** The sink table of one analysis: built-ins, config additions, installed actions. */
export class SinkRegistry {
  private readonly sinks: SinkDefinition[];
  private readonly traits: ActionTraits[];
  private readonly installed?: Map<string, InstalledAction>;

  constructor(
    options: {
      extraSinks?: SinkDefinition[];
      extraTraits?: ActionTraits[];
      installedActions?: InstalledAction[];
    } = {},
  ) {
    // Configured sinks come first so they can override a built-in entry for the same input.
    this.sinks = [...(options.extraSinks ?? []), ...BUILT_IN_SINKS];
    this.traits = [...(options.extraTraits ?? []), ...BUILT_IN_TRAITS];
    if (options.installedActions) {
      this.installed = new Map(options.installedActions.map(a => [a.id, a]));
    }
  }

  get hasInstalledActions(): boolean {
    return this.installed !== undefined;
  }

  isKnown(actionId: string): boolean {
    return (
      KNOWN_ACTIONS.has(actionId) ||
      actionId.startsWith('publish:') ||
      this.sinks.some(
        s => s.source === 'config' && matchesAction(s.action, actionId),
      )
    );
  }

  traitsOf(actionId: string): ActionTraits {
    const merged: ActionTraits = { action: actionId };
    for (const t of this.traits) {
      if (!matchesAction(t.action, actionId)) continue;
      merged.cleanOutput ??= t.cleanOutput;
      merged.destructive ??= t.destructive;
    }
    if (!merged.destructive && REMOTE_DESTRUCTIVE.test(actionId))
      merged.destructive = 'remote';
    return merged;
  }

  lookup(actionId: string, segments: string[]): SinkMatch {
    const notInstalled =
      this.installed !== undefined && !this.installed.has(actionId);
    for (const sink of this.sinks) {
      if (
        matchesAction(sink.action, actionId) &&
        matchesInput(sink.input, segments)
      ) {
        return { sink, unknownAction: false, notInstalled };
      }
    }
    if (this.isKnown(actionId)) return { unknownAction: false, notInstalled };
    const leaf = [...segments].reverse().find(s => s !== '*') ?? '';
    const installed = this.installed?.get(actionId);
    if (installed?.schema?.input) {
      const property = propertySchema(installed.schema.input, segments);
      const description =
        typeof property?.description === 'string' ? property.description : '';
      const format = property?.format === 'uri' || property?.format === 'url';
      const kind = format ? 'url' : kindFromName(leaf, description);
      return {
        sink: kind
          ? {
              action: actionId,
              input: segments.join('.'),
              kind,
              source: 'actions-list',
            }
          : undefined,
        unknownAction: false,
        notInstalled,
      };
    }
    const kind = kindFromName(leaf);
    return {
      sink: kind
        ? {
            action: actionId,
            input: segments.join('.'),
            kind,
            source: 'name-heuristic',
          }
        : undefined,
      unknownAction: true,
      notInstalled,
    };
  }
}
