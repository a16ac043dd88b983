import { maxItemsOf } from './parameters';
import { describeSource, TaintSource } from './taint';
import { FindingInput } from './analyzerTypes';

/**
 * `user-controlled-loop` findings of one `each:`: a parameter whose schema allows more elements
 * than `maxLoopItems` (or any number) decides how often the step runs.
 */
export function loopFindings(args: {
  /** What `each:` reads, resolved. */
  sources: TaintSource[];
  step: { stepId: string; action: string; base: string };
  maxLoopItems: number;
}): FindingInput[] {
  const { sources, maxLoopItems } = args;
  const { stepId, action, base } = args.step;
  const findings: FindingInput[] = [];
  for (const source of sources) {
    if (!source.untrusted || source.origin !== 'parameter') continue;
    const maxItems = maxItemsOf(source.resolved);
    if (maxItems !== undefined && maxItems <= maxLoopItems) continue;
    findings.push({
      location: `${base}.each`,
      stepId,
      action,
      parameter: source.name,
      message: `Step '${stepId}' (${action}) runs once per element of ${describeSource(
        source,
      )}, ${
        maxItems === undefined
          ? 'which has no maxItems'
          : `which allows ${maxItems} elements`
      }`,
      evidence: { maxItems: maxItems ?? null, limit: maxLoopItems },
    });
  }
  return findings;
}
