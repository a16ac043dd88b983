/** Entry point of the security-posture CLI. */
export async function main(args: string[]): Promise<number> {
  process.stderr.write(`security-posture: not implemented yet (${args.join(' ')})\n`);
  return 2;
}
