import { JsonObject, JsonValue } from '@backstage/types';

/** Runs `fn` with NODE_ENV (and optionally LOG_LEVEL) set, restoring them afterwards. */
export async function withEnv<T>(
  env: { NODE_ENV?: string; LOG_LEVEL?: string },
  fn: () => Promise<T>,
): Promise<T> {
  const saved = { NODE_ENV: process.env.NODE_ENV, LOG_LEVEL: process.env.LOG_LEVEL };
  const apply = (values: typeof env) => {
    for (const key of ['NODE_ENV', 'LOG_LEVEL'] as const) {
      if (values[key] === undefined) delete process.env[key];
      else process.env[key] = values[key];
    }
  };
  apply(env);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges config layers the way Backstage does: objects merge, everything else is replaced. */
export function mergeConfigs(...layers: JsonObject[]): JsonObject {
  const merge = (a: JsonObject, b: JsonObject): JsonObject => {
    const out: JsonObject = { ...a };
    for (const [key, value] of Object.entries(b)) {
      const prev = out[key];
      out[key] = isObject(prev) && isObject(value) ? merge(prev, value) : (value as JsonValue);
    }
    return out;
  };
  return layers.reduce(merge, {});
}

/** The plugins and modules packages/backend/src/index.ts installs. */
export const DEMO_INSTALLED_PLUGINS = [
  { pluginId: 'app' },
  {
    pluginId: 'auth',
    modules: [
      { moduleId: 'guest-provider' },
      { moduleId: 'demo-provider' },
      { moduleId: 'transitive-ownership' },
    ],
  },
  { pluginId: 'catalog', modules: [{ moduleId: 'scaffolder-entity-model' }, { moduleId: 'logs' }] },
  { pluginId: 'permission', modules: [{ moduleId: 'demo-policy' }] },
  { pluginId: 'scaffolder' },
  { pluginId: 'security-posture', modules: [{ moduleId: 'policy-evaluation' }] },
];
