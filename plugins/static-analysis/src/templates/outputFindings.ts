import { describeSource, TaintSource } from './taint';
import { FindingInput } from './analyzerTypes';

/**
 * `secret-exposure` findings of one `spec.output` value. The scaffolder renders spec.output
 * without secrets in context; step outputs and secret parameters still carry them.
 */
export function outputExposureFindings(
  /** What the output value reads, resolved. */
  sources: TaintSource[],
  location: string,
  display: string,
): FindingInput[] {
  const findings: FindingInput[] = [];
  for (const source of sources) {
    if (
      !source.sensitive ||
      source.name.startsWith('secrets.') ||
      source.name.startsWith('environment.secrets.')
    )
      continue;
    findings.push({
      location,
      parameter: source.name,
      severity: 'high',
      message: `${describeSource(
        source,
      )} is shown in the task output (${display}), visible to everyone who can read the task`,
      evidence: { sink: 'output' },
    });
  }
  return findings;
}
