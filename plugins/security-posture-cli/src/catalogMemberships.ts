import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { parseAllDocuments } from 'yaml';

type Doc = {
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
  spec?: { memberOf?: unknown; members?: unknown; parent?: unknown };
};

const strings = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : [];

function ref(
  value: string,
  defaultKind: string,
  defaultNamespace: string,
): string | undefined {
  try {
    return stringifyEntityRef(
      parseEntityRef(value, { defaultKind, defaultNamespace }),
    );
  } catch {
    return undefined;
  }
}

/**
 * Group memberships from catalog YAML (User `spec.memberOf`, Group `spec.members` and
 * `spec.parent`), with the groups above each group, as the live engine reads them from the
 * catalog's memberOf and childOf relations.
 */
export function membershipsFromCatalog(texts: string[]): Map<string, string[]> {
  const direct = new Map<string, Set<string>>();
  const parents = new Map<string, string>();
  const add = (user: string, group: string) => {
    if (!direct.has(user)) direct.set(user, new Set());
    direct.get(user)!.add(group);
  };
  for (const text of texts) {
    for (const document of parseAllDocuments(text)) {
      const doc = document.toJS() as Doc | null;
      const name = doc?.metadata?.name;
      if (!doc || typeof doc.kind !== 'string' || typeof name !== 'string')
        continue;
      const namespace =
        typeof doc.metadata?.namespace === 'string'
          ? doc.metadata.namespace
          : 'default';
      const kind = doc.kind.toLocaleLowerCase('en-US');
      if (kind === 'user') {
        const user = `user:${namespace}/${name}`;
        for (const g of strings(doc.spec?.memberOf)) {
          const group = ref(g, 'group', namespace);
          if (group) add(user, group);
        }
      } else if (kind === 'group') {
        const group = `group:${namespace}/${name}`;
        for (const u of strings(doc.spec?.members)) {
          const user = ref(u, 'user', namespace);
          if (user) add(user, group);
        }
        const parent =
          typeof doc.spec?.parent === 'string'
            ? ref(doc.spec.parent, 'group', namespace)
            : undefined;
        if (parent) parents.set(group, parent);
      }
    }
  }
  const result = new Map<string, string[]>();
  for (const [user, groups] of direct) {
    const all = new Set(groups);
    for (const group of groups) {
      let parent = parents.get(group);
      while (parent && !all.has(parent)) {
        all.add(parent);
        parent = parents.get(parent);
      }
    }
    result.set(user, [...all]);
  }
  return result;
}
