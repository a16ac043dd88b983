import { NUMERIC_FILTERS, SourceRef } from './expressions';
import {
  isSecretParameter,
  ParameterIndex,
  resolveParameter,
} from './parameters';
import { TaintSource } from './taint';
import { CatalogFetchSteps } from './analyzerTypes';

/** Step outputs named like credentials (a Vault read, a token exchange) are credentials. */
const CREDENTIAL_OUTPUT =
  /(?:token|password|passwd|secret|apikey|api_key|credential|credentials|privatekey|private_key)$/i;

/** What the analysis knows when it resolves a reference. */
export interface ResolveState {
  params: ParameterIndex;
  /** Taint carried by each earlier step's outputs. */
  stepTaint: Map<string, TaintSource[]>;
  catalogFetchSteps: CatalogFetchSteps;
}

/** Resolves what an expression reference reads into taint sources. */
export function resolveSources(
  ref: SourceRef,
  eachTaint: TaintSource[] | undefined,
  state: ResolveState,
): TaintSource[] {
  if (ref.filters.some(f => NUMERIC_FILTERS.has(f) || f === '#numeric'))
    return [];
  switch (ref.root) {
    case 'parameters': {
      const resolved = resolveParameter(state.params, ref.path);
      const name =
        resolved?.name ?? (ref.path.filter(p => p !== '*').join('.') || '*');
      return [
        {
          origin: 'parameter',
          name,
          untrusted: true,
          sensitive: resolved
            ? isSecretParameter(resolved.declarations)
            : false,
          resolved,
          filters: ref.filters,
          via: [],
        },
      ];
    }
    case 'each':
      return (eachTaint ?? []).map(s => ({
        ...s,
        element:
          s.origin === 'parameter' && ref.path[0] === 'value' && !s.element
            ? ref.path.slice(1).filter(p => p !== '*')
            : s.element,
        filters: [...s.filters, ...ref.filters],
      }));
    case 'steps': {
      const stepId = ref.path[0];
      if (stepId === undefined || stepId === '*') return [];
      const fetch = state.catalogFetchSteps.get(stepId);
      if (fetch) fetch.used = true;
      const sources: TaintSource[] = (state.stepTaint.get(stepId) ?? []).map(
        s => ({
          ...s,
          filters: [...s.filters, ...ref.filters],
          via: s.via.includes(stepId) ? s.via : [...s.via, stepId],
        }),
      );
      // An output named like a credential (a Vault read, a token exchange) is one.
      const outputName = ref.path[1] === 'output' ? ref.path[2] : undefined;
      if (outputName && CREDENTIAL_OUTPUT.test(outputName)) {
        sources.push({
          origin: 'step-output',
          name: `steps.${stepId}.output`,
          untrusted: false,
          sensitive: true,
          filters: ref.filters,
          via: [stepId],
        });
      }
      return sources;
    }
    case 'secrets':
      return [
        {
          origin: 'secret',
          name: `secrets.${ref.path[0] ?? '*'}`,
          untrusted: false,
          sensitive: true,
          filters: ref.filters,
          via: [],
        },
      ];
    case 'environment':
      if (ref.path[0] === 'secrets') {
        return [
          {
            origin: 'secret',
            name: `environment.secrets.${ref.path[1] ?? '*'}`,
            untrusted: false,
            sensitive: true,
            filters: ref.filters,
            via: [],
          },
        ];
      }
      return [];
    case 'user':
      // The profile comes from the identity provider (e.g. a GitHub display name).
      if (
        ref.path[0] === 'entity' &&
        ref.path[1] === 'spec' &&
        ref.path[2] === 'profile'
      ) {
        return [
          {
            origin: 'user-profile',
            name: `user.${ref.path.join('.')}`,
            untrusted: true,
            sensitive: false,
            filters: ref.filters,
            via: [],
          },
        ];
      }
      return [];
    default:
      // user.ref, user.entity.metadata.*, context.*, environment.parameters.*: set by Backstage
      // or the operator.
      return [];
  }
}
