import { JsonPrimitive } from '@backstage/types';
import {
  ActionModel,
  actionModelOf,
  ACTION_MODELS,
  CredentialModel,
  SinkKind,
} from './actionModel';

export { SINK_KINDS } from './actionModel';
export type { SinkKind, CredentialModel } from './actionModel';

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
  /** A sandboxed expression language: injection changes results, it does not run code. */
  sandboxed?: boolean;
}

export interface ActionTraits {
  /** Action id or prefix ending in `*`. */
  action: string;
  /** Outputs are built from integration data (e.g. the created repository's URL), not from inputs. */
  cleanOutput?: boolean;
  /** Outputs carry what went in (serialisers, transforms). */
  echoOutput?: boolean;
  /** Deletes things: files in the workspace, or remote resources. */
  destructive?: 'workspace' | 'remote';
  /** Whose rights the action acts with; unknown actions are assumed to use the backend's. */
  credentials?: CredentialModel;
  /** Input that replaces the backend's credentials with a caller-supplied token. */
  tokenInput?: string;
  /** Runs jobs on a remote system. */
  remoteExecution?: boolean;
  /** The package that provides the action, when the model knows it. */
  module?: string;
}

function sinksOfModel(model: ActionModel): SinkDefinition[] {
  return model.inputs.map(input => ({
    action: model.action,
    input: input.input,
    kind: input.kind,
    guarded: input.confined,
    insecureValues: input.insecureValues,
    sandboxed: input.sandboxed,
    source: 'built-in' as const,
  }));
}

/** Any action's `token` input carries a credential. */
const GENERIC_TOKEN: SinkDefinition = {
  action: '*',
  input: 'token',
  kind: 'credential',
  source: 'built-in',
};

/** The built-in sink table, flattened from the action model (for listings and tests). */
export const BUILT_IN_SINKS: SinkDefinition[] = [
  ...ACTION_MODELS.flatMap(sinksOfModel),
  GENERIC_TOKEN,
];

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

/** The sink table of one analysis: configured additions, the action model, installed actions. */
export class SinkRegistry {
  private readonly configured: SinkDefinition[];
  private readonly traits: ActionTraits[];
  private readonly installed?: Map<string, InstalledAction>;

  constructor(
    options: {
      extraSinks?: SinkDefinition[];
      extraTraits?: ActionTraits[];
      installedActions?: InstalledAction[];
    } = {},
  ) {
    // Configured sinks come first so they can override the model for the same input.
    this.configured = options.extraSinks ?? [];
    this.traits = options.extraTraits ?? [];
    if (options.installedActions) {
      this.installed = new Map(options.installedActions.map(a => [a.id, a]));
    }
  }

  get hasInstalledActions(): boolean {
    return this.installed !== undefined;
  }

  /** The model lists every input of the action that matters, or the operator configured it. */
  isKnown(actionId: string): boolean {
    return (
      actionModelOf(actionId)?.complete === true ||
      this.configured.some(s => matchesAction(s.action, actionId))
    );
  }

  traitsOf(actionId: string): ActionTraits {
    const model = actionModelOf(actionId);
    const merged: ActionTraits = { action: actionId };
    for (const t of this.traits) {
      if (!matchesAction(t.action, actionId)) continue;
      merged.cleanOutput ??= t.cleanOutput;
      merged.echoOutput ??= t.echoOutput;
      merged.destructive ??= t.destructive;
      merged.credentials ??= t.credentials;
    }
    if (model) {
      merged.cleanOutput ??= model.outputs === 'clean' || undefined;
      merged.echoOutput ??= model.outputs === 'echo' || undefined;
      merged.destructive ??= model.destructive;
      merged.credentials ??= model.credentials;
      merged.tokenInput ??= model.tokenInput;
      merged.remoteExecution ??= model.remoteExecution;
      merged.module ??= model.module;
    }
    if (!merged.destructive && REMOTE_DESTRUCTIVE.test(actionId))
      merged.destructive = 'remote';
    return merged;
  }

  lookup(actionId: string, segments: string[]): SinkMatch {
    const notInstalled =
      this.installed !== undefined && !this.installed.has(actionId);
    const model = actionModelOf(actionId);
    const candidates = [
      ...this.configured,
      ...(model ? sinksOfModel(model) : []),
      GENERIC_TOKEN,
    ];
    for (const sink of candidates) {
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
