import { ActionTraits } from './sinks';
import { AnalysedInput } from './stepFindings';
import { TaintSource } from './taint';

/**
 * What a step's outputs carry for later steps: what went in, unless the action builds them
 * from integration data.
 */
export function stepOutputTaint(args: {
  action: string;
  stepId: string;
  traits: ActionTraits;
  analysed: Pick<AnalysedInput, 'sink' | 'sources'>[];
  /** The sources of the step's inputs, except those that only reach credential sinks. */
  inputTaint: TaintSource[];
}): TaintSource[] {
  const { action, stepId, traits, analysed } = args;
  if (action === 'catalog:fetch') {
    const refs = analysed
      .filter(a => a.sink?.kind === 'entity-ref')
      .flatMap(a => a.sources);
    const chosen = refs.filter(s => s.untrusted);
    return chosen.length > 0
      ? [
          {
            origin: 'catalog-entity',
            name: chosen[0].name,
            untrusted: true,
            sensitive: false,
            filters: [],
            via: [stepId],
          },
        ]
      : [];
  }
  if (traits.echoOutput) return args.inputTaint;
  // Clean or unknown outputs: without evidence that an action echoes its inputs (a
  // serialiser, a transform), its `output.url` is not the user's text.
  return [];
}
