import { JsonPrimitive } from '@backstage/types';

/** Where a value that reaches a scaffolder action input can do harm. */
export type SinkKind =
  /** A file path inside (hopefully) the task workspace. */
  | 'path'
  /** A URL the backend fetches or calls, or hands to a third party. */
  | 'url'
  /** A shell command, script, expression language or remote job evaluated with backend rights. */
  | 'command'
  /** Text that ends up somewhere others read it: task logs, generated files, repository metadata. */
  | 'disclosure'
  /** Which repository (or group, project) the step's credentials create or push to. */
  | 'repo'
  /** Repository security settings: visibility, branch protection, collaborators, webhooks. */
  | 'settings'
  /** Inputs of a CI workflow the template dispatches. */
  | 'workflow-input'
  /** A catalog entity reference an action loads. */
  | 'entity-ref'
  /** An input meant to carry a credential (e.g. `token`): secrets belong here. */
  | 'credential'
  /** Manifests the step applies to a Kubernetes cluster with the backend's cluster credentials. */
  | 'cluster-write'
  /** A link sent to other users (notifications): a user-chosen one is a phishing channel. */
  | 'notification-link';

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
  'cluster-write',
  'notification-link',
];

/**
 * Whose rights a step acts with. Severity follows it: what a user can do with their own token
 * is not a backend-credential risk; what the backend or a proxy does on their behalf is.
 */
export type CredentialModel =
  /** The backend's integration credentials (git hosts, clouds, clusters, job runners). */
  | 'backend-integration'
  /** A Backstage backend call with the task's credentials (catalog, notifications). */
  | 'backend-service'
  /** `http:backstage:request` to `/proxy/*`: the proxy adds its configured headers (tokens). */
  | 'proxy-injected'
  /** Only the task workspace. */
  | 'none';

/** One input of an action and what it does with the value. */
export interface ActionInputModel {
  /** Dotted input path; `*` matches one key or array index, a trailing `**` any depth. */
  input: string;
  kind: SinkKind;
  /**
   * The action confines the value itself: paths through `resolveSafeChildPath` (workspace),
   * URLs through the backend's URL reader (`integrations.*` hosts + `backend.reading.allow`),
   * hosts that must match a configured integration.
   */
  confined?: boolean;
  /** For `settings`: literal values that are insecure on their own. */
  insecureValues?: JsonPrimitive[];
  /**
   * For `command`: a sandboxed expression language (JSONata): injected text changes the
   * result, it does not run code on the host.
   */
  sandboxed?: boolean;
}

/** What one scaffolder action does, as data: inputs → sinks, credentials, outputs. */
export interface ActionModel {
  /** Action id, or a prefix ending in `*` such as `publish:*`. */
  action: string;
  /** The package that provides it, for the evidence. */
  module: string;
  credentials: CredentialModel;
  /** An input that, when given, replaces the backend's credentials with a caller-supplied token. */
  tokenInput?: string;
  inputs: ActionInputModel[];
  /**
   * `clean`: outputs are built from integration data (the created repository's URL); `echo`:
   * outputs carry what went in (serialisers, transforms). Absent: unknown, so nothing is assumed
   * to flow through (a custom action's `output.url` is not evidence that it echoes its inputs).
   */
  outputs?: 'clean' | 'echo';
  /** Deletes things: files in the workspace, or remote resources. */
  destructive?: 'workspace' | 'remote';
  /** Every input that matters is listed: inputs not listed are harmless. */
  complete: boolean;
  /** Runs a job or playbook on a remote system (Rundeck, Ansible Automation Platform, AWX). */
  remoteExecution?: boolean;
  /** An input that can force-push (rewrite history) on the destination. */
  forcePushInput?: string;
}
