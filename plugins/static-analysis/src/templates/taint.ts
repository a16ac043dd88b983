import {
  assessConstraint,
  ConstraintVerdict,
  ParameterDeclaration,
} from './parameters';
import { SinkKind } from './sinks';

/** Where a tainted value comes from. */
export interface TaintSource {
  origin:
    | 'parameter'
    | 'secret'
    | 'catalog-entity'
    | 'user-profile'
    | 'step-output';
  /** Parameter name, `secrets.<name>`, `user.entity.spec.profile.<field>` or `steps.<id>.output`. */
  name: string;
  untrusted: boolean;
  sensitive: boolean;
  resolved?: {
    name: string;
    declarations: ParameterDeclaration[];
    exact: boolean;
  };
  /** Reads an element of an array parameter (`each.value.<member…>`): the member path. */
  element?: string[];
  filters: string[];
  /** Steps the value passed through. */
  via: string[];
}

export function describeSource(source: TaintSource): string {
  if (source.origin === 'secret') return `secret '${source.name}'`;
  if (source.origin === 'catalog-entity')
    return `catalog entity loaded by step '${source.via[0]}'`;
  if (source.origin === 'user-profile')
    return `the executing user's profile field '${source.name}'`;
  if (source.origin === 'step-output')
    return `credential-like output '${source.name}'`;
  const via =
    source.via.length > 0
      ? ` (through step${source.via.length > 1 ? 's' : ''} ${source.via
          .map(v => `'${v}'`)
          .join(', ')})`
      : '';
  return `parameter '${source.name}'${via}`;
}

/** How a source is constrained for a sink kind; only parameters have schemas. */
export function verdictFor(
  source: TaintSource,
  kind: SinkKind,
): ConstraintVerdict {
  if (source.origin === 'parameter')
    return assessConstraint(source.resolved, kind, source.element);
  if (source.origin === 'user-profile') {
    return {
      sanitised: false,
      reason:
        'profile fields come from the identity provider, where users often edit them',
    };
  }
  return {
    sanitised: false,
    reason: 'data of a catalog entity the user chose',
  };
}

/** Parameter label of a finding: the parameter, or where the data came from. */
export function sourceLabel(source: TaintSource): string {
  return source.origin === 'catalog-entity'
    ? `steps.${source.via[0]}.output`
    : source.name;
}

export function filterNote(filters: string[]): string | undefined {
  const shown = filters.filter(f => !f.startsWith('#'));
  if (shown.length === 0) return undefined;
  return `filters ${shown.map(f => `'${f}'`).join(', ')} do not sanitise`;
}
