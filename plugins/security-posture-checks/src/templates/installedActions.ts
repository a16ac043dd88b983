import { SecurityCheckContext } from '@security-posture/plugin-security-posture-node';
import { InstalledAction } from '@security-posture/static-analysis';

export interface InstalledActionsResult {
  actions?: InstalledAction[];
  /** What happened, for evidence: `23 installed actions`, `scaffolder unreachable: …`. */
  message: string;
}

const MAX_ACTIONS = 2000;

function toInstalledActions(body: unknown): InstalledAction[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const actions: InstalledAction[] = [];
  for (const item of body.slice(0, MAX_ACTIONS)) {
    if (
      typeof item !== 'object' ||
      item === null ||
      typeof (item as { id?: unknown }).id !== 'string'
    )
      continue;
    const { id, description, schema } = item as {
      id: string;
      description?: unknown;
      schema?: unknown;
    };
    actions.push({
      id,
      description: typeof description === 'string' ? description : undefined,
      schema:
        typeof schema === 'object' && schema !== null
          ? (schema as InstalledAction['schema'])
          : undefined,
    });
  }
  return actions;
}

/**
 * Reads the scaffolder's installed actions with their input schemas (`GET /v2/actions`, as the
 * scaffolder backend serves it) with a service token. Never throws: an unreachable scaffolder
 * just means the analysis runs on the built-in sink table and says so.
 */
export async function readInstalledActions(
  context: Pick<SecurityCheckContext, 'services' | 'signal'>,
  timeoutMs: number,
): Promise<InstalledActionsResult> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  context.signal.addEventListener('abort', abort);
  const timer = setTimeout(abort, timeoutMs);
  try {
    const { auth, discovery, fetch } = context.services;
    const baseUrl = await discovery.getBaseUrl('scaffolder');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'scaffolder',
    });
    const response = await fetch(`${baseUrl}/v2/actions`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      signal: controller.signal,
    });
    if (!response.ok) {
      return {
        message: `scaffolder actions list unavailable: GET /v2/actions answered ${response.status}`,
      };
    }
    const actions = toInstalledActions(await response.json());
    if (!actions)
      return {
        message:
          'scaffolder actions list unavailable: the response is not a list of actions',
      };
    return {
      actions,
      message: `${actions.length} installed scaffolder actions read from GET /v2/actions`,
    };
  } catch (error) {
    let reason = error instanceof Error ? error.message : String(error);
    if (controller.signal.aborted) reason = `no answer within ${timeoutMs} ms`;
    return {
      message: `scaffolder actions list unavailable: ${reason.slice(0, 200)}`,
    };
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', abort);
  }
}
