import { SecurityCheckContext } from '@security-posture/plugin-security-posture-node';
import { configFilePaths, LoadedConfigFile, loadConfigFiles, referencedEnvNames } from './configSources';
import { credentialLikeEnvNames, InventoriedCredential, inventoryCredentials } from './credentials';

/** What the runtime checks read from the process; tests replace it. */
export interface RuntimeEnvironment {
  env: Record<string, string | undefined>;
  argv: string[];
  cwd: string;
}

export const processEnvironment = (): RuntimeEnvironment => ({
  env: process.env,
  argv: process.argv,
  cwd: process.cwd(),
});

export interface CredentialInventory {
  credentials: InventoriedCredential[];
  /** Credential-looking env variable names no loaded config file references. */
  unreferencedEnv: string[];
  configFiles: LoadedConfigFile[];
  /** How the config files were found. */
  configFilesFrom: string;
}

/** The inventory both runtime checks build on; reads options of `runtime/credential-inventory`. */
export async function readCredentialInventory(
  context: Pick<SecurityCheckContext, 'config'>,
  runtime: RuntimeEnvironment,
): Promise<CredentialInventory> {
  const options = context.config.getOptionalConfig(
    'securityPosture.checks.runtime.credential-inventory.options',
  );
  const { rootDir, files, how } = await configFilePaths({
    configured: options?.getOptionalStringArray('configFiles'),
    rootDir: options?.getOptionalString('rootDir'),
    argv: runtime.argv,
    cwd: runtime.cwd,
  });
  const configFiles = await loadConfigFiles(rootDir, files);
  const credentials = inventoryCredentials(context.config, configFiles, runtime.env);
  const unreferencedEnv = credentialLikeEnvNames(runtime.env, referencedEnvNames(configFiles));
  return {
    credentials,
    unreferencedEnv,
    configFiles: configFiles.map(({ file, error }) => (error ? { file, error } : { file })),
    configFilesFrom: how,
  };
}
