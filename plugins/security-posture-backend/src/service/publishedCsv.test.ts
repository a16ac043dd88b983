import { parse } from 'csv-parse/sync';
import { Readable } from 'node:stream';
import { PermissionCoverageMatrix } from '@security-posture/plugin-security-posture-common';
import { publishedDataCsv } from './publishedCsv';

async function text(stream: Readable) {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

describe('publishedDataCsv', () => {
  it('writes one row per coverage matrix cell', async () => {
    const matrix: PermissionCoverageMatrix = {
      generatedAt: '2026-11-29T00:00:00.000Z',
      frameworkEnabled: true,
      policyRegistered: true,
      plugins: [],
      permissions: [
        { name: 'catalog.entity.delete', type: 'resource', resourceType: 'catalog-entity', pluginId: 'catalog', sensitive: true },
      ],
      principals: [
        { id: 'nobody', label: 'User who owns nothing', kind: 'user-owns-nothing', source: 'policy-evaluation' },
        { id: 'anon', label: '=HYPERLINK("x")', kind: 'unauthenticated', source: 'live' },
      ],
      cells: [
        {
          permission: 'catalog.entity.delete',
          principal: 'nobody',
          decision: { result: 'CONDITIONAL', rules: ['IS_ENTITY_OWNER'], resourceRef: 'component:default/a', resolvedForResource: 'DENY' },
        },
        { permission: 'catalog.entity.delete', principal: 'anon', decision: { result: 'DENY' } },
      ],
      notes: [],
    };
    const rows = parse(await text(publishedDataCsv('permissions/policy-coverage', 'matrix', matrix as any)!), {
      columns: true,
    });
    expect(rows).toEqual([
      expect.objectContaining({
        permission: 'catalog.entity.delete',
        plugin: 'catalog',
        sensitive: 'true',
        principal: 'User who owns nothing',
        decision: 'CONDITIONAL (DENY for component:default/a)',
        detail: 'IS_ENTITY_OWNER',
      }),
      expect.objectContaining({ principal: `'=HYPERLINK("x")`, decision: 'DENY' }),
    ]);
  });

  it('writes generic tables and refuses non-tabular data', async () => {
    const rows = parse(
      await text(publishedDataCsv('plugins/inventory', 'inventory', { packages: [{ name: 'a', advisories: ['GHSA-1'] }, { name: 'b' }] })!),
      { columns: true },
    );
    expect(rows).toEqual([
      { name: 'a', advisories: '["GHSA-1"]' },
      { name: 'b', advisories: '' },
    ]);
    expect(publishedDataCsv('x/y', 'k', { a: 1, b: 'two' })).toBeUndefined();
    expect(publishedDataCsv('x/y', 'k', [1, 2])).toBeUndefined();
  });
});
