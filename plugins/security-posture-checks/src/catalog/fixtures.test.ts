import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Entity } from '@backstage/catalog-model';
import {
  CATALOG_SECRET_KINDS,
  SENSITIVE_REFERENCE_CLASSES,
} from '@security-posture/plugin-security-posture-common';
import { CheckResult } from '@security-posture/plugin-security-posture-node';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { parseAllDocuments } from 'yaml';
import { exposedSensitiveEntityCheck } from './exposedSensitiveEntity';
import { leakedSecretsCheck } from './leakedSecrets';
import { sensitiveReferenceCheck } from './sensitiveReference';

// Precision and recall of the catalog checks over the fixture catalog in dev/fixtures/catalog
// (written by its generate.js, with the expected results beside it).
const FIXTURES = resolve(__dirname, '../../../../dev/fixtures/catalog');

interface Expected {
  entityCount: number;
  secrets: Array<{
    entityRef: string;
    path: string;
    kind: string;
    secret: string;
    classification: 'secret';
  }>;
  references: Array<{ entityRef: string; path: string; class: string }>;
  decoys: Array<{ entityRef: string; path: string; decoy: string; value: string }>;
}

function loadFixtureCatalog(): { entities: Entity[]; expected: Expected } {
  const dir = join(FIXTURES, 'entities');
  const entities = readdirSync(dir)
    .filter(f => f.endsWith('.yaml'))
    .flatMap(f =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map(d => d.toJS() as Entity),
    );
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));
  return { entities, expected };
}

// Decoys that stand for "not a sensitive reference" rather than "not a secret".
const REFERENCE_DECOYS = new Set([
  'ordinary-annotation',
  'ordinary-label',
  'ordinary-link',
  'ordinary-host',
  'email',
  // links judged by their icon, generic private ranges, template placeholders, `default`
  'icon-only-link',
  'example-link',
  'generic-cidr',
  'template-value',
  'generic-value',
]);

// Placeholders and documentation examples of every shape seen on public catalog files: none may
// be reported at all (not even as an informational example).
const PLACEHOLDER_DECOYS = [
  'placeholder',
  'documentation-example',
  'sequential',
  'keyboard',
  'repeated',
  'truncated',
  'filler',
  'stand-in-word',
  'encoded-word',
  'substitution',
  'example-host',
  'default-password',
  'url-misparse',
];

interface Score {
  expected: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);

function score(expectedKeys: Map<string, string>, predictedKeys: Map<string, string>) {
  const scores = new Map<string, Score>();
  const of = (label: string) => {
    if (!scores.has(label)) {
      scores.set(label, { expected: 0, truePositives: 0, falsePositives: 0, falseNegatives: 0 });
    }
    return scores.get(label)!;
  };
  for (const [key, label] of expectedKeys) {
    of(label).expected += 1;
    if (predictedKeys.has(key)) of(label).truePositives += 1;
    else of(label).falseNegatives += 1;
  }
  for (const [key, label] of predictedKeys) {
    if (!expectedKeys.has(key)) of(label).falsePositives += 1;
  }
  return scores;
}

function table(title: string, scores: Map<string, Score>) {
  const rows = [...scores.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = rows.map(([label, s]) => {
    const precision = ratio(s.truePositives, s.truePositives + s.falsePositives);
    const recall = ratio(s.truePositives, s.expected);
    return `${label.padEnd(34)} ${String(s.expected).padStart(8)} ${String(
      s.truePositives,
    ).padStart(4)} ${String(s.falsePositives).padStart(4)} ${String(s.falseNegatives).padStart(
      4,
    )} ${precision.toFixed(3).padStart(9)} ${recall.toFixed(3).padStart(7)}`;
  });
  return [
    title,
    `${'kind / class'.padEnd(34)} ${'expected'.padStart(8)} ${'TP'.padStart(4)} ${'FP'.padStart(
      4,
    )} ${'FN'.padStart(4)} ${'precision'.padStart(9)} ${'recall'.padStart(7)}`,
    ...lines,
  ].join('\n');
}

const locationPath = (r: CheckResult) => r.location!.slice(0, r.location!.lastIndexOf('#'));
const refOf = (r: CheckResult) => (r.target as { entityRef: string }).entityRef;
const fieldsOf = (r: CheckResult) => (r.evidence?.fields ?? []) as string[];

describe('catalog checks over the fixture catalog (dev/fixtures/catalog)', () => {
  const { entities, expected } = loadFixtureCatalog();
  let secretResults: CheckResult[];
  let referenceResults: CheckResult[];

  beforeAll(async () => {
    secretResults = await runSecurityCheck(leakedSecretsCheck, { entities, pageSize: 7 });
    referenceResults = await runSecurityCheck(sensitiveReferenceCheck, { entities, pageSize: 7 });
  });

  it('is a catalog of at least 60 entities of every kind, planting every secret kind and reference class', () => {
    expect(entities.length).toBe(expected.entityCount);
    expect(entities.length).toBeGreaterThanOrEqual(60);
    expect(new Set(entities.map(e => e.kind))).toEqual(
      new Set([
        'Component',
        'API',
        'Resource',
        'System',
        'Domain',
        'Group',
        'User',
        'Template',
        'Location',
      ]),
    );
    expect(expected.secrets.every(s => s.classification === 'secret')).toBe(true);
    const plantedKinds = new Set(expected.secrets.map(s => s.kind));
    expect([...plantedKinds].sort()).toEqual(Object.keys(CATALOG_SECRET_KINDS).sort());
    expect(new Set(expected.references.map(r => r.class))).toEqual(
      new Set(Object.keys(SENSITIVE_REFERENCE_CLASSES)),
    );
    expect(new Set(expected.decoys.map(d => d.decoy))).toEqual(
      new Set([
        ...PLACEHOLDER_DECOYS,
        'uuid',
        'git-sha',
        'image-digest',
        'public-key',
        'certificate',
        'publishable-key',
        'harmless-base64',
        'low-entropy',
        'invalid-checksum-token',
        'word-like',
        'checksum',
        ...REFERENCE_DECOYS,
      ]),
    );
  });

  it('finds planted secrets and sensitive references with high precision and recall', () => {
    const secretKey = (ref: string, path: string, kind: string, value: string, cls: string) =>
      `${ref}|${path}|${kind}|${cls}|${value}`;
    const expectedSecrets = new Map(
      expected.secrets.map(s => [
        secretKey(s.entityRef, s.path, s.kind, s.secret, s.classification),
        s.kind,
      ]),
    );
    const predictedSecrets = new Map(
      secretResults
        .filter(r => r.secret)
        .map(r => {
          const cls = String(r.evidence?.classification);
          return [
            secretKey(refOf(r), locationPath(r), r.secret!.kind, r.secret!.value, cls),
            r.secret!.kind,
          ];
        }),
    );
    const referenceKey = (ref: string, path: string, cls: string) => `${ref}|${path}|${cls}`;
    const expectedReferences = new Map(
      expected.references.map(r => [referenceKey(r.entityRef, r.path, r.class), r.class]),
    );
    // One result per entity and class, listing its fields: scored per field, as planted.
    const predictedReferences = new Map(
      referenceResults.flatMap(r =>
        fieldsOf(r).map(field => [
          referenceKey(refOf(r), field, String(r.evidence?.class)),
          String(r.evidence?.class),
        ]),
      ),
    );

    const secretScores = score(expectedSecrets, predictedSecrets);
    const referenceScores = score(expectedReferences, predictedReferences);

    // Decoys: no reported secret may overlap a decoy value in its field; no reference may sit
    // on an ordinary annotation, label, link, host or email.
    const decoyHits = expected.decoys.filter(d => {
      const secretHit = secretResults.some(
        r =>
          r.secret &&
          refOf(r) === d.entityRef &&
          locationPath(r) === d.path &&
          (d.value.includes(r.secret.value) || r.secret.value.includes(d.value)),
      );
      const referenceHit =
        REFERENCE_DECOYS.has(d.decoy) &&
        referenceResults.some(r => refOf(r) === d.entityRef && fieldsOf(r).includes(d.path));
      return secretHit || referenceHit;
    });
    const decoyRate = decoyHits.length / expected.decoys.length;

    const sum = (scores: Map<string, Score>, key: keyof Score) =>
      [...scores.values()].reduce((n, s) => n + s[key], 0);
    const overall = (scores: Map<string, Score>) => ({
      precision: ratio(
        sum(scores, 'truePositives'),
        sum(scores, 'truePositives') + sum(scores, 'falsePositives'),
      ),
      recall: ratio(sum(scores, 'truePositives'), sum(scores, 'expected')),
    });

    // eslint-disable-next-line no-console
    console.log(
      [
        table('Leaked secrets per kind', secretScores),
        `overall: ${JSON.stringify(overall(secretScores))}`,
        '',
        table('Sensitive references per class', referenceScores),
        `overall: ${JSON.stringify(overall(referenceScores))}`,
        '',
        `Decoys: ${expected.decoys.length}, reported: ${
          decoyHits.length
        }, false-positive rate ${decoyRate.toFixed(3)}`,
        ...decoyHits.map(d => `  decoy hit: ${d.entityRef} ${d.path} (${d.decoy})`),
      ].join('\n'),
    );

    // Every planted kind and class is found everywhere it was planted, nothing else is reported,
    // and no decoy fires. The misses and extras are listed first so a failure says which.
    const misses = [...expectedSecrets.keys(), ...expectedReferences.keys()].filter(
      k => !predictedSecrets.has(k) && !predictedReferences.has(k),
    );
    const extras = [...predictedSecrets.keys(), ...predictedReferences.keys()].filter(
      k => !expectedSecrets.has(k) && !expectedReferences.has(k),
    );
    const redact = (k: string) => k.split('|').slice(0, 4).join('|');
    expect(misses.map(redact)).toEqual([]);
    expect(extras.map(redact)).toEqual([]);
    for (const [kind, s] of [...secretScores, ...referenceScores]) {
      expect({ kind, recall: ratio(s.truePositives, s.expected) }).toEqual({ kind, recall: 1 });
      expect({
        kind,
        precision: ratio(s.truePositives, s.truePositives + s.falsePositives),
      }).toEqual({
        kind,
        precision: 1,
      });
    }
    expect(decoyHits).toEqual([]);
  });

  it('writes one sensitive-reference finding per entity and class, listing every planted field', () => {
    const pairs = referenceResults.map(r => `${refOf(r)}|${r.evidence?.class}`);
    expect(pairs.length).toBe(new Set(pairs).size);
    expect(new Set(pairs)).toEqual(
      new Set(expected.references.map(r => `${r.entityRef}|${r.class}`)),
    );
    // The fixture plants several fields of one class on some entities: they share one finding.
    expect(referenceResults.some(r => fieldsOf(r).length > 1)).toBe(true);
    for (const r of referenceResults) {
      expect(r.location).toBe(`sensitive-reference#${r.evidence?.class}`);
      expect(r.evidence?.fieldCount).toBe(fieldsOf(r).length);
    }
  });

  it('grades leaked secrets by kind, and reports nothing on placeholders and examples', () => {
    const expectedSeverity = (r: CheckResult) => {
      // Stripe keys are graded by mode (live/test); the fixture plants live ones.
      if (r.secret!.value.startsWith(['rk', '_live_'].join(''))) return 'high';
      return CATALOG_SECRET_KINDS[r.secret!.kind as keyof typeof CATALOG_SECRET_KINDS].severity;
    };
    const graded = secretResults.filter(x => x.secret);
    expect(graded.map(r => [r.secret!.kind, r.severity])).toEqual(
      graded.map(r => [r.secret!.kind, expectedSeverity(r)]),
    );
    expect(secretResults.filter(r => r.evidence?.classification !== 'secret')).toEqual([]);
    // Every shape is planted, and not one placeholder field carries a finding of any kind.
    const placeholders = expected.decoys.filter(d => PLACEHOLDER_DECOYS.includes(d.decoy));
    expect(new Set(placeholders.map(d => d.decoy))).toEqual(new Set(PLACEHOLDER_DECOYS));
    const onPlaceholder = placeholders.filter(d =>
      secretResults.some(
        r =>
          refOf(r) === d.entityRef &&
          locationPath(r) === d.path &&
          (d.value.includes(r.secret!.value) || r.secret!.value.includes(d.value)),
      ),
    );
    expect(onPlaceholder).toEqual([]);
  });

  it('joins exposure for exactly the entities that carry secrets or sensitive references', async () => {
    const results = await runSecurityCheck(exposedSensitiveEntityCheck, {
      entities,
      config: { permission: { enabled: false } },
    });
    const carrying = new Set([
      ...expected.secrets.map(s => s.entityRef),
      ...expected.references.map(r => r.entityRef),
    ]);
    expect(results.every(r => r.outcome === 'fail')).toBe(true);
    expect(new Set(results.map(refOf))).toEqual(carrying);
    const withSecrets = new Set(expected.secrets.map(s => s.entityRef));
    for (const r of results) {
      expect({ ref: refOf(r), critical: r.severity === 'critical' }).toEqual({
        ref: refOf(r),
        critical: withSecrets.has(refOf(r)),
      });
    }
  });
});
