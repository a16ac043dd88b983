import { CredentialModel, ActionTraits } from './sinks';
import { isObject } from './templateShapes';

/** Whose rights one step acts with, and why the analyser thinks so. */
export interface StepCredentials {
  kind: CredentialModel | 'user-token';
  reason: string;
  /** For `user-token`: the secret that carries the user's token (`secrets.USER_OAUTH_TOKEN`). */
  secret?: string;
}

const MAX_DEPTH = 24;
/** `${{ secrets.NAME }}` or `${{ secrets['NAME'] }}` as the whole value. */
const SECRET_REF =
  /^\s*\$\{\{\s*secrets(?:\.([A-Za-z_$][\w$]{0,100})|\[\s*['"]([^'"\]]{1,100})['"]\s*\])\s*\}\}\s*$/;
const PARAMETER_REF =
  /^\s*\$\{\{\s*parameters\.([A-Za-z_$][\w$]{0,100})\s*\}\}\s*$/;
/** Names the scaffolder UI and common templates give the executing user's own OAuth token. */
const USER_TOKEN_NAME =
  /^(?:user[_-]?oauth[_-]?token|user[_-]?token|oauth[_-]?token)$/i;

/**
 * Secret names filled with the executing user's own token: the `secretsKey` of every
 * RepoUrlPicker `ui:options.requestUserCredentials` in the parameters.
 */
export function userCredentialSecrets(parameters: unknown): Set<string> {
  const keys = new Set<string>();
  const walk = (value: unknown, depth: number) => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    if (!isObject(value)) return;
    const options = value['ui:options'];
    if (isObject(options) && isObject(options.requestUserCredentials)) {
      const key = options.requestUserCredentials.secretsKey;
      if (typeof key === 'string' && key) keys.add(key);
    }
    for (const child of Object.values(value)) walk(child, depth + 1);
  };
  walk(parameters, 0);
  return keys;
}

/** The secret a value reads as a whole, e.g. `USER_OAUTH_TOKEN`. */
export function secretNameOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 300) return undefined;
  const match = SECRET_REF.exec(value);
  return match ? match[1] ?? match[2] : undefined;
}

/** The parameter a value reads as a whole, e.g. `token` for `${{ parameters.token }}`. */
export function parameterNameOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 300) return undefined;
  const match = PARAMETER_REF.exec(value);
  return match ? match[1] : undefined;
}

/** Where `http:backstage:request` goes: a `/proxy/<endpoint>` path is served by the proxy. */
export function proxyEndpointOf(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  const match = /^\/?(?:api\/)?proxy\/([^/?#${}\s]{1,100})/.exec(path.trim());
  return match ? match[1] : undefined;
}

const CREDENTIAL_REASONS: Record<
  CredentialModel,
  (modelled: boolean) => string
> = {
  'backend-integration': modelled =>
    modelled
      ? "the action uses the backend's integration credentials"
      : "an unknown action runs with the backend's credentials",
  'backend-service': () =>
    "the action calls Backstage with the task's credentials",
  'proxy-injected': () =>
    'the request goes through a proxy endpoint that adds its configured credentials',
  none: () => 'the action works in the task workspace only',
};

/**
 * Decides whose credentials a step uses: a token input filled from the user's own credentials
 * (`requestUserCredentials`) replaces the backend's; `http:backstage:request` to `/proxy/*`
 * runs with whatever the proxy injects; otherwise the action's model, and for unknown actions
 * the backend's integration credentials.
 */
export function stepCredentials(
  action: string,
  input: unknown,
  traits: ActionTraits,
  userSecrets: Set<string>,
): StepCredentials {
  const values = isObject(input) ? input : {};
  const tokenInput = traits.tokenInput ?? 'token';
  const parameter = parameterNameOf(values[tokenInput]);
  if (parameter) {
    return {
      kind: 'user-token',
      secret: parameter,
      reason: `input '${tokenInput}' is a token the executing user types into the form (parameter '${parameter}')`,
    };
  }
  const secret = secretNameOf(values[tokenInput]);
  if (
    secret &&
    secret !== 'backstageToken' &&
    (userSecrets.has(secret) || USER_TOKEN_NAME.test(secret))
  ) {
    return {
      kind: 'user-token',
      secret: `secrets.${secret}`,
      reason: `input '${tokenInput}' is the executing user's own token (secrets.${secret}${
        userSecrets.has(secret) ? ', from requestUserCredentials' : ''
      })`,
    };
  }
  if (action === 'http:backstage:request') {
    const endpoint = proxyEndpointOf(values.path);
    if (endpoint) {
      return {
        kind: 'proxy-injected',
        reason: `the request goes to the proxy endpoint '/proxy/${endpoint}', which adds its configured credentials`,
      };
    }
  }
  const kind = traits.credentials ?? 'backend-integration';
  return {
    kind,
    reason: CREDENTIAL_REASONS[kind](traits.credentials !== undefined),
  };
}
