import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Entity } from '@backstage/catalog-model';
import { EntitySecurityCheck } from '@security-posture/plugin-security-posture-node';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { parseAllDocuments } from 'yaml';
import { FindingFactory } from '../engine/FindingFactory';
import { catalogChecks } from '.';

// The planted-secret sweep over the fixture catalog and the demo catalog: what the catalog
// checks produce, once through the engine's finding factory (the one place that masks), holds
// no planted secret anywhere (titles, messages, locations, evidence), only masks.
const ROOT = resolve(__dirname, '../../../..');

function yamlEntities(dir: string): Entity[] {
  return readdirSync(dir)
    .filter(f => f.endsWith('.yaml'))
    .flatMap(f =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map(d => d.toJS() as Entity),
    )
    .filter(e => e?.kind && e.metadata);
}

function plantedValues(): string[] {
  const expected = JSON.parse(
    readFileSync(join(ROOT, 'dev/fixtures/catalog/expected.json'), 'utf8'),
  );
  const fixtureSecrets: string[] = expected.secrets.map((s: { secret: string }) => s.secret);
  const demo = readFileSync(join(ROOT, 'dev/catalog/PLANTED-SECRETS.md'), 'utf8');
  const demoSecrets = demo
    .split('## Documentation example')[0]
    .split('\n')
    .filter(line => line.startsWith('| ') && line.includes('`'))
    .flatMap(line => [...line.matchAll(/`([^`]+)`/g)].map(m => m[1]))
    .filter(value => !value.includes('://') || value.startsWith('https://hooks'));
  // For URLs with credentials, the password part is the secret; whole URLs hold it too.
  return [...new Set([...fixtureSecrets, ...demoSecrets])].filter(v => v.length >= 8);
}

describe('planted-secret sweep of the catalog checks', () => {
  it('leaves no raw planted secret in any finding the engine builds', async () => {
    const entities = [
      ...yamlEntities(join(ROOT, 'dev/fixtures/catalog/entities')),
      ...yamlEntities(join(ROOT, 'dev/catalog')),
    ];
    const planted = plantedValues();
    expect(planted.length).toBeGreaterThan(50);

    const findings = [];
    for (const check of catalogChecks as EntitySecurityCheck[]) {
      // A factory per check: the references and exposure checks must not rely on secrets that
      // catalog/leaked-secret revealed to the factory (in a scan they may run before it).
      const factory = new FindingFactory('sweep-installation-key');
      for (const entity of entities) {
        const results = await runSecurityCheck(check, { entities: [entity], config: {} });
        findings.push(
          ...factory.fromResults(check.meta, check.meta.defaultSeverity, results, entity),
        );
      }
    }
    const dump = JSON.stringify(findings);
    // The sweep sees real output: every kind of check produced findings, secrets among them.
    const checkIds = new Set(findings.map(f => f.checkId));
    expect([...checkIds].sort()).toEqual([
      'catalog/exposed-sensitive-entity',
      'catalog/leaked-secret',
      'catalog/sensitive-reference',
    ]);
    const masked = findings.filter(f => f.evidence.secretMask);
    expect(masked.length).toBeGreaterThan(50);

    const leaked = planted.filter(value => dump.includes(value));
    expect(leaked.map(v => `${v.slice(0, 4)}…(${v.length})`)).toEqual([]);
    // Masks show a public format prefix, or nothing, and the length.
    const PUBLIC =
      /^(?:|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|gl[a-z]{2,4}-|xox[abprse]-|xapp-|[sr]k_(?:live|test)_|SG\.|AIza|npm_|hv[sbr]\.|s\.|eyJ|-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----)…\(\d+ chars\)$/;
    for (const f of masked) expect(String(f.evidence.secretMask)).toMatch(PUBLIC);
    // Formatless planted secrets (passwords, AWS secret access keys, hex keys, webhook secrets)
    // show none of their characters: their first 4 are nowhere in a mask.
    const masks = masked.map(f => String(f.evidence.secretMask));
    const shownHeads = planted
      .map(value => value.slice(0, 4))
      .filter(head =>
        masks.some(mask => mask.includes(head) && !mask.slice(0, mask.lastIndexOf('…(')).includes(head)),
      );
    expect(shownHeads).toEqual([]);
    expect(masks.filter(mask => mask.startsWith('…')).length).toBeGreaterThan(10);
  });
});
