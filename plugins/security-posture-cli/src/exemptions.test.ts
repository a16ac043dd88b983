import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exemption } from '@security-posture/plugin-security-posture-common';
import {
  exemptionsToSuppressions,
  lastDayBefore,
  readExemptionsJson,
  renderSuppressionsFile,
} from './exemptions';
import { applySuppressions, parseSuppressions } from './suppressions';
import { CliFinding } from './report';
import { runCli } from './__testUtils__/runCli';

jest.setTimeout(120_000);

const NOW = new Date('2027-01-10T12:00:00.000Z');

function exemption(overrides: Partial<Exemption>): Exemption {
  return {
    id: 'ex-1',
    scope: { type: 'finding', fingerprint: 'f1', checkId: 'catalog/leaked-secret', entityRef: 'component:default/a' },
    kind: 'accepted-risk',
    reason: 'Rotation booked: "vendor" #12\n=SUM(A1)',
    ticket: 'https://tickets.example.com/SEC-1',
    createdBy: 'user:default/alice',
    createdAt: '2027-01-01T00:00:00.000Z',
    expiresAt: '2027-03-01T00:00:00.000Z',
    state: 'active',
    ...overrides,
  };
}

const finding = (overrides: Partial<CliFinding>): CliFinding => ({
  fingerprint: 'f1',
  checkId: 'catalog/leaked-secret',
  rule: 'catalog/leaked-secret',
  category: 'catalog',
  severity: 'high',
  outcome: 'fail',
  title: 't',
  message: 'm',
  file: 'catalog/a.yaml',
  doc: 0,
  line: 7,
  column: 3,
  entityRef: 'component:default/a',
  entityKind: 'Component',
  evidence: {},
  remediation: 'r',
  ...overrides,
});

describe('exemptions export', () => {
  it('turns the portal instant of expiry into the last day the suppression applies', () => {
    expect(lastDayBefore('2027-03-01T00:00:00.000Z')).toBe('2027-02-28');
    expect(lastDayBefore('2027-03-01T12:00:00.000Z')).toBe('2027-03-01');
  });

  it('writes active exemptions scope for scope, and skips what files cannot match', () => {
    const exported = exemptionsToSuppressions(
      [
        exemption({}),
        exemption({
          id: 'ex-2',
          kind: 'false-positive',
          expiresAt: undefined,
          ticket: undefined,
          scope: { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/b' },
        }),
        exemption({ id: 'ex-3', scope: { type: 'target', checkId: 'auth/cors-wildcard', configPath: 'backend.cors.origin' } }),
        exemption({ id: 'ex-4', scope: { type: 'entities', checkId: 'catalog/sensitive-reference', entityKind: 'api' } }),
        exemption({ id: 'ex-5', scope: { type: 'entities', checkId: 'catalog/sensitive-reference', owner: 'group:default/x' } }),
        exemption({ id: 'ex-6', state: 'revoked' }),
        exemption({ id: 'ex-7', state: 'expired' }),
        // Listed as active when fetched, expired since.
        exemption({ id: 'ex-8', expiresAt: '2027-01-10T11:00:00.000Z' }),
      ],
      NOW,
    );
    expect(exported.entries).toEqual([
      {
        rule: 'catalog/leaked-secret',
        fingerprint: 'f1',
        entityRef: 'component:default/a',
        kind: 'accepted-risk',
        reason: 'Rotation booked: "vendor" #12\n=SUM(A1)',
        expires: '2027-02-28',
        ticket: 'https://tickets.example.com/SEC-1',
        exemption: 'ex-1',
      },
      {
        rule: 'catalog/leaked-secret',
        entityRef: 'component:default/b',
        kind: 'false-positive',
        reason: 'Rotation booked: "vendor" #12\n=SUM(A1)',
        exemption: 'ex-2',
      },
      expect.objectContaining({ rule: 'auth/cors-wildcard', configPath: 'backend.cors.origin', exemption: 'ex-3' }),
      expect.objectContaining({ rule: 'catalog/sensitive-reference', entityKind: 'api', exemption: 'ex-4' }),
    ]);
    expect(exported.skipped).toEqual([
      { id: 'ex-5', why: 'a set of entities by owner cannot be matched in files' },
      { id: 'ex-6', why: 'revoked' },
      { id: 'ex-7', why: 'expired' },
      { id: 'ex-8', why: 'expired' },
    ]);

    // Round trip: the file reads back to the same suppressions, and they match as the portal does.
    const suppressions = parseSuppressions(renderSuppressionsFile(exported, NOW), 'exported.yaml');
    expect(suppressions.map(({ source, ...s }) => JSON.parse(JSON.stringify(s)))).toEqual(
      exported.entries.map(e => ({ ...e, entityKind: e.entityKind })).map(e => JSON.parse(JSON.stringify(e))),
    );
    const outcome = applySuppressions(
      [
        finding({}),
        finding({ fingerprint: 'f9', entityRef: 'component:default/b' }),
        finding({ fingerprint: 'f10', entityRef: 'component:default/c' }),
        finding({
          fingerprint: 'c1',
          checkId: 'auth/cors-wildcard',
          rule: 'auth/cors-wildcard',
          entityRef: undefined,
          entityKind: undefined,
          file: 'app-config.yaml',
          field: 'backend.cors.origin',
        }),
        finding({ fingerprint: 'k1', checkId: 'catalog/sensitive-reference', rule: 'catalog/sensitive-reference', entityRef: 'api:default/x', entityKind: 'API' }),
        finding({ fingerprint: 'k2', checkId: 'catalog/sensitive-reference', rule: 'catalog/sensitive-reference' }),
      ],
      suppressions,
      NOW,
    );
    expect(outcome.suppressed.map(s => [s.finding.fingerprint, s.by.exemption])).toEqual([
      ['f1', 'ex-1'],
      ['f9', 'ex-2'],
      ['c1', 'ex-3'],
      ['k1', 'ex-4'],
    ]);
    expect(outcome.kept.map(f => f.fingerprint)).toEqual(['f10', 'k2']);
    // After the last day, the accepted risk no longer suppresses; the false positive still does.
    const later = applySuppressions([finding({}), finding({ fingerprint: 'f9', entityRef: 'component:default/b' })], suppressions, new Date('2027-03-01T00:00:00.000Z'));
    expect(later.kept.map(f => f.fingerprint)).toEqual(['f1']);
  });

  it('reads the GET /exemptions answer or a plain list, and refuses anything else', () => {
    expect(readExemptionsJson(JSON.stringify({ items: [exemption({})], totalItems: 1 }), 'x.json')).toHaveLength(1);
    expect(readExemptionsJson(JSON.stringify([exemption({})]), 'x.json')).toHaveLength(1);
    expect(() => readExemptionsJson('suppressions: []', 'x.json')).toThrow(/not JSON/);
    expect(() => readExemptionsJson('{"items":[{"id":1}]}', 'x.json')).toThrow(/items\[0\] is not an exemption/);
  });
});

describe('security-posture scan honours the portal exemptions (CLI process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-exemptions-'));
  // A planted fake token in an entity: catalog/leaked-secret reports it.
  writeFileSync(
    join(dir, 'catalog-info.yaml'),
    [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: payments-api',
      '  annotations:',
      '    acme.io/github-token: ghp_CNI7i6c7VuYrSPZiQorrQnud2n9GD4C4KOA3',
      'spec:',
      '  type: service',
      '  owner: group:default/payments',
      '  lifecycle: production',
      '',
    ].join('\n'),
  );

  it('suppresses what an exported exemption covers, and says which exemption', async () => {
    const before = await runCli(['scan', 'catalog-info.yaml', '--format', 'json', '--no-suppressions'], dir);
    const report = JSON.parse(before.stdout);
    const leak = report.findings.find((f: CliFinding) => f.checkId === 'catalog/leaked-secret');
    expect(leak).toMatchObject({ entityRef: 'component:default/payments-api' });
    expect(before.code).toBe(1);

    const future = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000).toISOString();
    writeFileSync(
      join(dir, 'exemptions.json'),
      JSON.stringify({
        items: [
          exemption({
            id: 'ex-portal-1',
            scope: { type: 'finding', fingerprint: leak.fingerprint, checkId: leak.checkId, entityRef: leak.entityRef },
            expiresAt: future,
          }),
        ],
      }),
    );

    const scanned = await runCli(
      ['scan', 'catalog-info.yaml', '--format', 'json', '--no-suppressions', '--exemptions', 'exemptions.json'],
      dir,
    );
    const withExemptions = JSON.parse(scanned.stdout);
    expect(withExemptions.findings.find((f: CliFinding) => f.fingerprint === leak.fingerprint)).toBeUndefined();
    expect(withExemptions.suppressed).toEqual([
      expect.objectContaining({
        fingerprint: leak.fingerprint,
        suppression: expect.objectContaining({ kind: 'accepted-risk', ticket: 'https://tickets.example.com/SEC-1' }),
      }),
    ]);

    // The documented round trip: export to the suppressions file, scan with it.
    const exported = await runCli(['exemptions', 'export', 'exemptions.json', '-o', '.security-posture-suppressions.yaml'], dir);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain('1 exemption(s) exported, 0 skipped');
    expect(readFileSync(join(dir, '.security-posture-suppressions.yaml'), 'utf8')).toContain('exemption: ex-portal-1');
    const withFile = JSON.parse((await runCli(['scan', 'catalog-info.yaml', '--format', 'json'], dir)).stdout);
    expect(withFile.suppressed.map((f: CliFinding) => f.fingerprint)).toEqual([leak.fingerprint]);
    // No secret in anything the commands wrote.
    for (const text of [scanned.stdout, exported.stderr, readFileSync(join(dir, '.security-posture-suppressions.yaml'), 'utf8')]) {
      expect(text).not.toContain('ghp_CNI7i6c7VuYrSPZiQorrQnud2n9GD4C4KOA3');
    }
  });
});
