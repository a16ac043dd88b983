import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The CLI's entry point, run as a user runs it. */
export const BIN = resolve(__dirname, '../../bin/security-posture.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a child process (no colours, no fingerprint key from the environment). OSV is
 * off unless a test asks for it (`--osv-url` wins over the environment): tests never reach the
 * real OSV.
 */
export function runCli(
  args: string[],
  cwd: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    SECURITY_POSTURE_OSV_URL: 'off',
    ...extraEnv,
  };
  delete env.SECURITY_POSTURE_FINGERPRINT_KEY;
  return new Promise(done => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}
