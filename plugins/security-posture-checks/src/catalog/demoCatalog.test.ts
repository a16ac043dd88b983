import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { parseAllDocuments } from 'yaml';
import { leakedSecretsCheck } from './leakedSecrets';

// The demo portal's catalog and its list of planted values (both owned by the demo): every
// planted leak must be found at its field path, every listed non-secret must stay quiet.
const DEMO_CATALOG = resolve(__dirname, '../../../../dev/catalog');

interface PlantedRow {
  section: string;
  entityRef: string;
  path: string;
  kind: string;
  secret: string;
}

function plantedRows(): PlantedRow[] {
  const rows: PlantedRow[] = [];
  let section = '';
  for (const line of readFileSync(join(DEMO_CATALOG, 'PLANTED-SECRETS.md'), 'utf8').split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    const cells = line
      .split('|')
      .slice(1, -1)
      .map(c => c.trim());
    if (cells.length !== 4 || !cells[0].includes(':') || cells[0] === 'Entity ref') continue;
    const valueCell = cells[3];
    const secretPart = /secret part: `([^`]+)`/.exec(valueCell)?.[1];
    rows.push({
      section,
      entityRef: cells[0],
      path: cells[1],
      kind: cells[2],
      secret: secretPart ?? /`([^`]+)`/.exec(valueCell)![1],
    });
  }
  return rows;
}

function demoEntities(): Entity[] {
  return readdirSync(DEMO_CATALOG)
    .filter(f => f.endsWith('.yaml'))
    .flatMap(f =>
      parseAllDocuments(readFileSync(join(DEMO_CATALOG, f), 'utf8')).map(d => d.toJS() as Entity),
    )
    .filter(e => e && e.kind && e.metadata);
}

describe('the demo catalog (dev/catalog)', () => {
  const rows = plantedRows();
  const leaks = rows.filter(r => r.section.startsWith('Fake leaked credentials'));
  const examples = rows.filter(r => r.section.startsWith('Documentation example'));
  const decoys = rows.filter(r => r.section.startsWith('Non-secrets'));
  const standard = rows.filter(r => r.section.startsWith('Sensitive standard annotations'));

  let results: Awaited<ReturnType<typeof runSecurityCheck>>;
  beforeAll(async () => {
    results = await runSecurityCheck(leakedSecretsCheck, { entities: demoEntities() });
  });

  const at = (row: PlantedRow) =>
    results.filter(
      r =>
        r.target.type === 'entity' &&
        r.target.entityRef === row.entityRef &&
        r.location?.startsWith(`${row.path}#`),
    );

  it('lists what it is checked against', () => {
    expect(leaks.length).toBeGreaterThanOrEqual(5);
    expect(examples.length).toBeGreaterThanOrEqual(1);
    expect(decoys.length).toBeGreaterThanOrEqual(4);
    expect(demoEntities().length).toBeGreaterThan(20);
  });

  it('finds every planted leak at its field path, as a secret', () => {
    for (const row of leaks) {
      const found = at(row).filter(r => r.secret?.value === row.secret);
      expect({ row, found: found.length }).toEqual({ row, found: 1 });
      expect(found[0].outcome).toBe('fail');
      expect(found[0].evidence?.classification).toBe('secret');
      expect(found[0].severity).not.toBe('info');
    }
  });

  it('names the planted kinds, including the AWS secret access key', () => {
    const kindOf = (value: string) => results.find(r => r.secret?.value === value)?.secret?.kind;
    const aws = leaks.find(r => r.kind === 'aws-secret-access-key')!;
    expect(kindOf(aws.secret)).toBe('aws-secret-access-key');
    const github = leaks.find(r => r.kind.startsWith('github-token'))!;
    expect(kindOf(github.secret)).toBe('github-token');
  });

  it('does not report documentation examples at all', () => {
    for (const row of examples) {
      expect({ row, results: at(row) }).toEqual({ row, results: [] });
      expect(results.some(r => r.secret?.value.includes(row.secret))).toBe(false);
    }
  });

  it('stays quiet on every listed non-secret', () => {
    for (const row of decoys) {
      expect({ row, results: at(row) }).toEqual({ row, results: [] });
      expect(results.some(r => r.secret?.value.includes(row.secret))).toBe(false);
    }
  });

  it('reports nothing beyond the planted values and the standard integration keys', () => {
    const known = new Set([...leaks, ...standard].map(r => r.secret));
    const unexpected = results
      .filter(r => !known.has(r.secret?.value ?? ''))
      .map(r => `${(r.target as { entityRef: string }).entityRef} ${r.location}`);
    expect(unexpected).toEqual([]);
    for (const row of standard) {
      expect(at(row).map(r => r.secret?.kind)).toEqual(['pagerduty-integration-key']);
    }
  });

  it('covers every entity ref it names', () => {
    const refs = new Set(demoEntities().map(e => stringifyEntityRef(e)));
    for (const row of rows) expect(refs.has(row.entityRef)).toBe(true);
  });
});
