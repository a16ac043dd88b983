import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { Entity } from '@backstage/catalog-model';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { authChecks, builtInChecks, catalogChecks, CheckRegistry, FindingFactory, permissionsChecks, templatesChecks } from '@security-posture/checks';
import { detectSecrets } from '@security-posture/static-analysis';
import { validate } from './__testUtils__/jsonSchema';
import { Run, runCli as runCliIn } from './__testUtils__/runCli';
import { BACKEND_ONLY_CHECKS, CONFIG_ONLY_CHECKS } from './cliChecks';
import { CLI_CSV_COLUMNS } from './format/csv';
import { sarifFingerprint } from './format/sarif';
import { CliFinding, ScanReport } from './report';

// The CLI runs as a process, the way CI runs it: `node bin/security-posture.js`.
const ROOT = resolve(__dirname, '../../..');
const runCli = (args: string[], cwd = ROOT) => runCliIn(args, cwd);
const REPORT_SCHEMA = JSON.parse(readFileSync(join(__dirname, 'report.schema.json'), 'utf8'));
const SARIF_SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '__fixtures__/sarif/sarif-2.1.0-rtm.5.json'), 'utf8'),
);

const SCANNED = [
  'dev/fixtures/templates',
  'dev/fixtures/catalog',
  'dev/fixtures/plugins',
  'dev/catalog',
  'dev/templates',
  'dev/config',
];
const CONFIGS = ['app-config.yaml', 'dev/config/app-config.demo.yaml'];


/** Files of a scanned folder that the CLI reads (YAML, lockfiles, package.json). */
function scannedFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap(entry => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return scannedFiles(path);
    return /\.ya?ml$|^package(-lock)?\.json$/.test(entry.name) ? [path] : [];
  });
}

/** The planted fake credentials of the demo and fixture catalogs (as the backend sweep reads them). */
function plantedSecrets(): string[] {
  const expected = JSON.parse(
    readFileSync(join(ROOT, 'dev/fixtures/catalog/expected.json'), 'utf8'),
  );
  const fixtureSecrets: string[] = expected.secrets
    .filter((s: { classification: string }) => s.classification !== 'example')
    .map((s: { secret: string }) => s.secret);
  const demo = readFileSync(join(ROOT, 'dev/catalog/PLANTED-SECRETS.md'), 'utf8');
  const demoSecrets = demo
    .split('## Documentation example')[0]
    .split('\n')
    .filter(line => line.startsWith('| ') && line.includes('`'))
    .flatMap(line => [...line.matchAll(/`([^`]+)`/g)].map(m => m[1]))
    .filter(value => !value.includes('://') || value.startsWith('https://hooks'));
  return [...new Set([...fixtureSecrets, ...demoSecrets])].filter(v => v.length >= 8);
}

/** 1-based line and column of the first occurrence of `needle` in a repository file. */
function positionIn(file: string, needle: string, after = 0) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const at = text.indexOf(needle, after);
  if (at < 0) throw new Error(`${needle} not in ${file}`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

// Fake credentials for the edge-case run (random, not real).
const COMMENT_KEY = 'AKIAZ4QW7NB2LX6MTR3P';
const DESCRIPTION_PASSWORD = 'Xq8vN2pLr7TzW4kB';
const EDGE_FILE = '=1+2.yaml'; // a file name a spreadsheet would evaluate
const EDGE_YAML = `# rotate me: ${COMMENT_KEY}
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: edge-service
  description: clone with https://deploy:${DESCRIPTION_PASSWORD}@git.acme-corp.net/acme/repo.git
spec:
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: [unterminated
`;
const EDGE_MANIFEST = `{
  "name": "edge-app",
  "dependencies": {
    "@backstage/catalog-model": "^0.7.0",
    "@backstage/plugin-techdocs": "0.9.2"
  }
}
`;
const SUPPRESSIONS = `suppressions:
  - rule: catalog/leaked-secret
    file: ${JSON.stringify(EDGE_FILE)}
    reason: throwaway credential of a sandbox, rotated weekly
    expires: 2999-12-31
  - rule: files/secret-in-text
    file: ${JSON.stringify(EDGE_FILE)}
    line: 1
    reason: accepted until the key is rotated
    expires: 2000-01-31
`;

describe('security-posture CLI, run as a process', () => {
  let tmp: string;
  let main: Run & { report: ScanReport; sarif: any; csv: string; table: string };
  let clean: Run;
  let badFormat: Run;
  let missingPath: Run;
  let edge: Run & { report: ScanReport; csv: string };
  const planted = plantedSecrets();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'security-posture-cli-'));
    const edgeDir = join(tmp, 'edge');
    const out = join(tmp, 'out');
    for (const dir of [edgeDir, out]) mkdirSync(dir);
    writeFileSync(join(edgeDir, EDGE_FILE), EDGE_YAML);
    writeFileSync(join(edgeDir, '.security-posture-suppressions.yaml'), SUPPRESSIONS);
    writeFileSync(join(edgeDir, 'package.json'), EDGE_MANIFEST);

    const runs = await Promise.all([
      runCli([
        'scan',
        ...SCANNED,
        ...CONFIGS.flatMap(c => ['--config', c]),
        '--no-suppressions',
        '--format',
        'json',
        '--report',
        `sarif=${join(out, 'main.sarif')}`,
        '--report',
        `csv=${join(out, 'main.csv')}`,
        '--report',
        `table=${join(out, 'main.txt')}`,
      ]),
      runCli(['scan', 'dev/templates/safe-service/template.yaml', '--format', 'json']),
      runCli(['scan', 'dev/catalog', '--format', 'xml']),
      runCli(['scan', 'dev/no-such-folder']),
      runCli(
        ['scan', '.', '--format', 'json', '--report', `csv=${join(out, 'edge.csv')}`],
        edgeDir,
      ),
    ]);
    const read = (name: string) => readFileSync(join(out, name), 'utf8');
    main = {
      ...runs[0],
      report: JSON.parse(runs[0].stdout),
      sarif: JSON.parse(read('main.sarif')),
      csv: read('main.csv'),
      table: read('main.txt'),
    };
    [, clean, badFormat, missingPath] = runs;
    edge = { ...runs[4], report: JSON.parse(runs[4].stdout), csv: read('edge.csv') };
  }, 180_000);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const find = (report: ScanReport, predicate: (f: CliFinding) => boolean) =>
    report.findings.filter(predicate);

  describe('exit codes', () => {
    it('is 1 with findings at or above --fail-on (default high), 0 when clean, 2 on usage errors', () => {
      expect(main.stderr).toMatch(/at or above high/);
      expect(main.report.failing).toBeGreaterThan(0);
      expect(main.code).toBe(1);

      expect(JSON.parse(clean.stdout).findings).toEqual([]);
      expect(clean.code).toBe(0);

      expect(badFormat.code).toBe(2);
      expect(badFormat.stderr).toContain("unknown format 'xml'");
      expect(missingPath.code).toBe(2);
      expect(missingPath.stderr).toContain('dev/no-such-folder: no such file or directory');
    });
  });

  describe('JSON report', () => {
    it('follows the documented schema (src/report.schema.json)', () => {
      expect(validate(REPORT_SCHEMA, main.report)).toEqual([]);
      expect(validate(REPORT_SCHEMA, edge.report)).toEqual([]);
      for (const suppressed of edge.report.suppressed) {
        const { suppression, ...finding } = suppressed;
        expect(validate(REPORT_SCHEMA.definitions.finding, finding, REPORT_SCHEMA)).toEqual([]);
      }
    });

    it('gives every finding a file, a document, a line and a column', () => {
      const { report } = main;
      expect(report.schemaVersion).toBe(2);
      expect(report.findings.length).toBeGreaterThan(100);
      for (const f of report.findings) {
        expect(readFileSync(join(ROOT, f.file), 'utf8').length).toBeGreaterThan(0);
        expect(f.line).toBeGreaterThanOrEqual(1);
        expect(f.column).toBeGreaterThanOrEqual(1);
        expect(f.file.endsWith('.json') || f.doc! >= 0).toBe(true);
        expect(f.rule.startsWith(f.checkId)).toBe(true);
      }
    });

    it('locates a planted secret at its value, with entity ref and kind, masked', () => {
      const [hit] = find(
        main.report,
        f =>
          f.checkId === 'catalog/leaked-secret' &&
          f.entityRef === 'component:default/payments-api' &&
          f.secretKind === 'aws-access-key-id',
      );
      expect(hit).toMatchObject({
        file: 'dev/catalog/components.yaml',
        doc: 0,
        ...positionIn('dev/catalog/components.yaml', 'AKIARR4SFYO37FA03SD2'),
        severity: 'high',
        entityKind: 'Component',
        field: 'metadata.annotations["acme.io/aws-access-key-id"]',
      });
      expect(hit.evidence.secretMask).toBe('AKIA…(20 chars)');
    });

    it('writes one sensitive-reference finding per entity and class, at its first field', () => {
      const references = find(main.report, f => f.checkId === 'catalog/sensitive-reference');
      const pairs = references.map(f => `${f.file}|${f.doc}|${f.entityRef}|${f.referenceClass}`);
      expect(pairs.length).toBeGreaterThan(10);
      expect(new Set(pairs).size).toBe(pairs.length);
      expect(references.some(f => (f.evidence.fields as string[]).length > 1)).toBe(true);
      for (const f of references) {
        const fields = f.evidence.fields as string[];
        expect(f.referenceClass).toBe(f.evidence.class);
        expect(f.field).toBe(fields[0]);
      }
      // An annotation is found at its own line, not at the entity's name.
      const onAnnotation = references
        .map(f => ({ f, key: /^metadata\.annotations\["(.+)"\]$/.exec(f.field ?? '')?.[1] }))
        .filter(({ key }) => key !== undefined);
      expect(onAnnotation.length).toBeGreaterThan(5);
      for (const { f, key } of onAnnotation) {
        const line = readFileSync(join(ROOT, f.file), 'utf8').split('\n')[f.line - 1];
        expect({ field: f.field, line }).toEqual({
          field: f.field,
          line: expect.stringContaining(key!),
        });
      }
    });

    it('locates template findings at the step input, with step id, parameter, score and band', () => {
      const file = 'dev/templates/risky-copy-files/template.yaml';
      const [ssrf] = find(
        main.report,
        f => f.file === file && f.rule === 'templates/template-risk/ssrf',
      );
      const step = readFileSync(join(ROOT, file), 'utf8').indexOf('id: fetch-files');
      expect(ssrf).toMatchObject({
        templateStepId: 'fetch-files',
        parameter: 'sourceUrl',
        entityRef: 'template:default/risky-copy-files',
        ...positionIn(file, '${{ parameters.sourceUrl }}', step),
      });
      const score = main.report.templates.find(
        t => t.entityRef === 'template:default/risky-copy-files',
      );
      expect(score).toMatchObject({ file, doc: 0 });
      expect(score!.score).toBeGreaterThan(50);
      expect(['high', 'critical']).toContain(score!.band);
    });

    it('keeps the YAML document index of multi-document files', () => {
      const file = 'dev/fixtures/templates/multi-document.yaml';
      const risky = find(main.report, f => f.file === file);
      expect(risky.length).toBeGreaterThan(0);
      const separator = positionIn(file, '\n---\n').line + 1;
      for (const f of risky) {
        expect(f).toMatchObject({ doc: 1, entityRef: 'template:default/multi-doc-risky' });
        expect(f.line).toBeGreaterThan(separator);
      }
      expect(main.report.templates.filter(t => t.file === file).map(t => t.doc)).toEqual([0, 1]);
    });

    it('reports unparseable files as diagnostics (not findings) with their location and goes on', () => {
      // Parse problems used to be high `files/parse-error` findings; they are diagnostics now.
      expect(find(main.report, f => f.checkId === 'files/parse-error')).toEqual([]);
      const parseErrors = main.report.diagnostics.filter(d => d.source === 'files');
      expect(parseErrors.map(d => d.file).sort()).toEqual([
        'dev/fixtures/templates/malformed-duplicate-keys.yaml',
        'dev/fixtures/templates/malformed-list-document.yaml',
        'dev/fixtures/templates/malformed-not-yaml.yaml',
      ]);
      const duplicate = parseErrors.find(d => d.file.includes('duplicate'))!;
      expect(duplicate).toMatchObject({
        doc: 0,
        ...positionIn(duplicate.file, 'name: malformed-duplicate-keys-again'),
        code: 'yaml-syntax',
        level: 'warning',
      });
      // The template analyser's parse problems are diagnostics too, never template findings.
      expect(find(main.report, f => f.rule === 'templates/template-risk/parse-error')).toEqual([]);
      expect(
        main.report.diagnostics.some(
          d =>
            d.source === 'templates/template-risk' &&
            d.file === 'dev/fixtures/templates/malformed-wrong-shapes.yaml',
        ),
      ).toBe(true);
      expect(main.report.summary.diagnostics).toBe(main.report.diagnostics.length);
      // Files after the broken ones alphabetically were still scanned.
      expect(find(main.report, f => f.file.startsWith('dev/templates/')).length).toBeGreaterThan(0);
    });

    it('runs the config checks on the merged app-config, located in the file that sets the key', () => {
      const [guest] = find(main.report, f => f.checkId === 'auth/guest-outside-development');
      expect(guest).toMatchObject({
        file: 'dev/config/app-config.demo.yaml',
        ...positionIn('dev/config/app-config.demo.yaml', 'dangerouslyAllowOutsideDevelopment'),
        field: 'auth.providers.guest.dangerouslyAllowOutsideDevelopment',
      });
      expect(main.report.configFiles).toEqual(CONFIGS);
    });

    it('matches lockfiles offline against the bundled advisories', () => {
      const file = 'dev/fixtures/plugins/app/package-lock.json';
      const [techdocs] = find(
        main.report,
        f =>
          f.checkId === 'plugins/known-vulnerability' &&
          f.file === file &&
          f.title.startsWith('@backstage/plugin-techdocs@'),
      );
      expect(techdocs).toMatchObject(
        positionIn(file, '"node_modules/@backstage/plugin-techdocs": {'),
      );
      expect(techdocs.title).toContain('GHSA-gg96-f8wr-p89f');
    });

    it('matches exact versions of a package.json only where no lockfile is scanned beside it', () => {
      const manifest = 'dev/fixtures/plugins/app/package.json';
      expect(main.report.files.map(f => f.file)).toContain(manifest);
      expect(find(main.report, f => f.file === manifest)).toEqual([]);

      const pinned = find(edge.report, f => f.checkId === 'plugins/known-vulnerability');
      expect(pinned).toEqual([
        expect.objectContaining({
          file: 'package.json',
          line: 5,
          column: 5,
          title: '@backstage/plugin-techdocs@0.9.2: GHSA-gg96-f8wr-p89f',
        }),
      ]);
    });

    it('says which checks did not run in CLI mode and why; every check is classified', () => {
      const skipped = main.report.checks.filter(c => c.outcome === 'skipped');
      expect(skipped.map(c => c.checkId)).toEqual(
        expect.arrayContaining(['auth/live-probes', 'permissions/policy-coverage']),
      );
      for (const check of [...authChecks, ...permissionsChecks]) {
        const id = check.meta.id;
        // A new check of these families must be added to the allow-list or the backend-only list.
        expect({ id, classified: CONFIG_ONLY_CHECKS.has(id) || id in BACKEND_ONLY_CHECKS }).toEqual(
          {
            id,
            classified: true,
          },
        );
      }
      for (const id of CONFIG_ONLY_CHECKS) {
        expect(main.report.checks.find(c => c.checkId === id)?.outcome).not.toBe('skipped');
      }
    });
  });

  describe('SARIF', () => {
    it('validates against the SARIF 2.1.0 schema', () => {
      expect(validate(SARIF_SCHEMA, main.sarif)).toEqual([]);
    });

    it('holds every finding with its rule, region and fingerprint', () => {
      const [run] = main.sarif.runs;
      expect(run.results).toHaveLength(main.report.findings.length);
      const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
      main.report.findings.forEach((f, i) => {
        const result = run.results[i];
        expect(ruleIds[result.ruleIndex]).toBe(f.rule);
        expect(result.locations[0].physicalLocation).toMatchObject({
          artifactLocation: { uri: f.file },
          region: { startLine: f.line, startColumn: f.column },
        });
        // The file (and document) are part of the identity: same-named templates never collide.
        expect(result.partialFingerprints).toEqual({
          'securityPosture/v2': sarifFingerprint(f),
        });
        expect(result.properties.fingerprint).toBe(f.fingerprint);
      });
    });

    it('holds the diagnostics as tool execution notifications, with locations', () => {
      const notifications = main.sarif.runs[0].invocations[0].toolExecutionNotifications;
      const diagnostics = notifications.filter((n: any) => n.properties?.kind === 'diagnostic');
      expect(diagnostics).toHaveLength(main.report.diagnostics.length);
      for (const n of diagnostics) {
        expect(['warning', 'note']).toContain(n.level);
        expect(n.locations[0].physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
      }
    });
  });

  describe('CSV', () => {
    it('parses back to the same findings, one row each', () => {
      const rows: Record<string, string>[] = parseCsv(main.csv, { columns: true });
      expect(Object.keys(rows[0])).toEqual([...CLI_CSV_COLUMNS]);
      expect(rows).toHaveLength(main.report.findings.length);
      rows.forEach((row, i) => {
        const f = main.report.findings[i];
        expect([row.rule, row.file, row.line, row.column, row.severity]).toEqual([
          f.rule,
          f.file,
          String(f.line),
          String(f.column),
          f.severity,
        ]);
      });
    });
  });

  it('shows no planted secret, nor any value the detectors see in the inputs, in any format', () => {
    expect(planted.length).toBeGreaterThanOrEqual(30);
    // Every value the secret detectors find in the raw text of the scanned files.
    const detected = SCANNED.flatMap(scannedFiles).flatMap(file =>
      detectSecrets(readFileSync(join(ROOT, file), 'utf8')).map(m => m.value),
    );
    expect(detected.length).toBeGreaterThan(50);
    const secrets = [...new Set([...planted, ...detected])].filter(v => v.length >= 8);
    const outputs = {
      json: main.stdout,
      sarif: JSON.stringify(main.sarif),
      csv: main.csv,
      table: main.table,
      stderr: main.stderr,
    };
    for (const [format, text] of Object.entries(outputs)) {
      const leaked = secrets.filter(secret => text.includes(secret));
      expect({ format, leaked }).toEqual({ format, leaked: [] });
    }
    expect(main.table).toContain('Template risk scores');
    expect(main.csv).toContain('AKIA…(20 chars)');
  });

  describe('edge cases: a malformed file, a secret in a comment, suppressions', () => {
    it('reports the broken document and still analyses the good one', () => {
      const [parseError] = edge.report.diagnostics;
      expect(parseError).toMatchObject({ file: EDGE_FILE, doc: 1, code: 'yaml-syntax' });
      expect(parseError.line).toBeGreaterThanOrEqual(13);
      expect(edge.report.files.find(f => f.file === EDGE_FILE)).toMatchObject({
        documents: 2,
        entities: 1,
      });
    });

    it('finds a secret in a YAML comment, at its position, masked', () => {
      const [comment] = find(edge.report, f => f.checkId === 'files/secret-in-text');
      expect(comment).toMatchObject({
        file: EDGE_FILE,
        doc: 0,
        line: 1,
        column: EDGE_YAML.indexOf(COMMENT_KEY) + 1,
        secretKind: 'aws-access-key-id',
        severity: 'high',
      });
      expect(comment.message).toContain('in a comment');
    });

    it('honours an active suppression and stops honouring an expired one', () => {
      expect(edge.report.suppressed).toEqual([
        expect.objectContaining({
          checkId: 'catalog/leaked-secret',
          file: EDGE_FILE,
          suppression: expect.objectContaining({
            reason: 'throwaway credential of a sandbox, rotated weekly',
            expires: '2999-12-31',
            source: { file: '.security-posture-suppressions.yaml', line: 2 },
          }),
        }),
      ]);
      // The expired one suppresses nothing: the comment secret above is reported, and so is the expiry.
      expect(edge.report.suppressions.expired).toEqual([
        expect.objectContaining({ rule: 'files/secret-in-text', expires: '2000-01-31' }),
      ]);
      expect(find(edge.report, f => f.checkId === 'files/suppression-expired')).toEqual([
        expect.objectContaining({
          file: '.security-posture-suppressions.yaml',
          line: 6,
          severity: 'info',
        }),
      ]);
      expect(edge.stderr).toContain('expired on 2000-01-31');
      expect(edge.code).toBe(1);
    });

    it('neutralises spreadsheet formulas in CSV cells and masks secrets everywhere', () => {
      const rows: Record<string, string>[] = parseCsv(edge.csv, { columns: true });
      const fromFile = rows.filter(r => r.file.includes('1+2.yaml'));
      expect(fromFile.length).toBeGreaterThan(0);
      for (const row of fromFile) expect(row.file).toBe(`'${EDGE_FILE}`);
      for (const text of [edge.stdout, edge.stderr, edge.csv]) {
        expect(text).not.toContain(COMMENT_KEY);
        expect(text).not.toContain(DESCRIPTION_PASSWORD);
      }
    });
  });

  describe('same findings as the backend', () => {
    // The backend's code path, in-process: parse the same files, run each check the way the
    // engine does (runSecurityCheck), turn results into findings with the engine's factory.
    it('gives the same check ids, entity refs, locations and severities', async () => {
      const yamlFiles = SCANNED.flatMap(scannedFiles).filter(file => /\.ya?ml$/.test(file));
      const documents = yamlFiles.flatMap(file =>
        parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'), { merge: true })
          .filter(d => d.errors.length === 0)
          .map(d => d.toJS({ maxAliasCount: 100 }) as unknown),
      );
      const objects = documents.filter(
        (d): d is Record<string, any> => typeof d === 'object' && d !== null && !Array.isArray(d),
      );
      const entities = objects.filter(
        d =>
          typeof d.kind === 'string' &&
          typeof d.apiVersion === 'string' &&
          typeof d.metadata?.name === 'string' &&
          d.metadata.name !== '',
      ) as Entity[];
      const templates = objects.filter(
        d => d.kind === 'Template' && typeof d.apiVersion === 'string',
      ) as Entity[];
      const configJson = ConfigReader.fromConfigs(
        CONFIGS.map(file => ({
          context: file,
          data: parseYaml(readFileSync(join(ROOT, file), 'utf8')) as JsonObject,
        })),
      ).get() as JsonObject;
      const registry = new CheckRegistry(new ConfigReader(configJson));
      registry.add(...builtInChecks);
      const severityOf = new Map(registry.list().map(r => [r.check.meta.id, r.severity]));

      const savedEnv = { NODE_ENV: process.env.NODE_ENV, LOG_LEVEL: process.env.LOG_LEVEL };
      delete process.env.NODE_ENV;
      delete process.env.LOG_LEVEL;
      const factory = new FindingFactory();
      const backend: string[] = [];
      try {
        const runs: Array<[(typeof builtInChecks)[number], Entity[]]> = [
          ...catalogChecks.map(c => [c, entities] as [typeof c, Entity[]]),
          ...templatesChecks.map(c => [c, templates] as [typeof c, Entity[]]),
          ...[...authChecks, ...permissionsChecks]
            .filter(c => CONFIG_ONLY_CHECKS.has(c.meta.id))
            .map(c => [c, []] as [typeof c, Entity[]]),
        ];
        for (const [check, checkEntities] of runs) {
          const results = await runSecurityCheck(check, {
            config: configJson,
            entities: checkEntities,
          });
          for (const f of factory.fromResults(
            check.meta,
            severityOf.get(check.meta.id)!,
            results,
          )) {
            // Parse problems are diagnostics in the CLI, not findings: also a template the
            // analyser could not read at all (an error result that carries its diagnostics).
            if (f.evidence.rule === 'parse-error') continue;
            if (f.location === 'template-analysis' && f.evidence.diagnostics !== undefined)
              continue;
            backend.push([f.checkId, f.entityRef ?? '', f.location ?? '', f.severity].join(' | '));
          }
        }
      } finally {
        Object.assign(process.env, savedEnv);
        for (const [k, v] of Object.entries(savedEnv)) if (v === undefined) delete process.env[k];
      }
      const compared = new Set(
        [...catalogChecks, ...templatesChecks].map(c => c.meta.id).concat([...CONFIG_ONLY_CHECKS]),
      );
      const cli = main.report.findings
        .filter(f => compared.has(f.checkId))
        .map(f => [f.checkId, f.entityRef ?? '', f.location ?? '', f.severity].join(' | '));

      expect(backend.length).toBeGreaterThan(200);
      expect(cli.sort()).toEqual(backend.sort());
    }, 60_000);
  });
});
