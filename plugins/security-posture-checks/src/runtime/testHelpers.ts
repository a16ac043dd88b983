import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { JsonObject } from '@backstage/types';

/** A repository root with `backstage.json` and the given config files (YAML from objects). */
export async function writeConfigRepo(files: Record<string, unknown>): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'runtime-check-'));
  await fs.writeFile(path.join(root, 'backstage.json'), '{"version":"1.55.0"}');
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await fs.writeFile(
      path.join(root, name),
      typeof content === 'string' ? content : stringify(content),
    );
  }
  return root;
}

export const removeDir = (dir: string) => fs.rm(dir, { recursive: true, force: true });

/** The root config with the check's options pointing at the given files. */
export function withConfigFiles(config: JsonObject, configFiles: string[]): JsonObject {
  return {
    ...config,
    securityPosture: {
      checks: { runtime: { 'credential-inventory': { options: { configFiles } } } },
    },
  };
}
