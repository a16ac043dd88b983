import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from './__testUtils__/jsonSchema';
import { Run, runCli } from './__testUtils__/runCli';
import { ScanReport } from './report';

// Whole repositories as a new user scans them (`security-posture scan .` from the repository
// root): only Backstage files are entities, everything else is skipped with a note, parse and
// include problems are diagnostics, and the exit code follows --fail-on alone. The fixture trees
// under __fixtures__/repos are invented for these tests.
const REPOS = join(__dirname, '__fixtures__/repos');
const REPORT_SCHEMA = JSON.parse(readFileSync(join(__dirname, 'report.schema.json'), 'utf8'));
const SARIF_SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '__fixtures__/sarif/sarif-2.1.0-rtm.5.json'), 'utf8'),
);


const json = (run: Run) => JSON.parse(run.stdout) as ScanReport;

// Files of the portal fixture that are not Backstage entities.
const NOT_ENTITIES: Record<string, string> = {
  'kustomization.yaml': 'kustomize',
  'deploy/deployment.yaml': 'kubernetes',
  'deploy/service.yaml': 'kubernetes',
  'charts/web/Chart.yaml': 'helm-chart',
  'charts/web/values.yaml': 'helm-chart',
  'charts/web/templates/deployment.yaml': 'helm-chart',
  'ops/rendered-later.yaml': 'templated',
  '.github/workflows/ci.yaml': 'github-workflow',
  'docker-compose.yml': 'docker-compose',
  'mkdocs.yml': 'mkdocs',
  'broken/notes.yaml': 'invalid-yaml',
  'templates/new-service/skeleton/catalog-info.yaml': 'skeleton',
  'templates/new-service/skeleton/k8s/deployment.yaml': 'skeleton',
  'templates/new-service/skeleton/.github/workflows/build.yaml': 'github-workflow',
  'templates/new-service/steps.yaml': 'included-file',
  'templates/new-service/parameters.yaml': 'included-file',
  'templates/new-service/log-step.yaml': 'included-file',
  'docs/openapi.yaml': 'included-file',
};

describe('scanning whole repositories', () => {
  const portalDir = join(REPOS, 'portal');
  const riskyDir = join(REPOS, 'risky');
  let portal: Run & { report: ScanReport };
  let portalStrict: Run;
  let portalTable: Run;
  let risky: Run & { report: ScanReport };
  let riskySarif: any;
  let riskyFailing: Run;
  let riskyPatched: Run & { report: ScanReport };
  let locked: Run & { report: ScanReport };
  let lockedOverridden: Run & { report: ScanReport };

  beforeAll(async () => {
    const runs = await Promise.all([
      runCli(['scan', '.', '--format', 'json'], portalDir),
      runCli(['scan', '.', '--format', 'json', '--fail-on-diagnostics'], portalDir),
      runCli(['scan', '.', '--format', 'table'], portalDir),
      runCli(['scan', '.', '--format', 'json'], riskyDir),
      runCli(['scan', '.', '--format', 'sarif'], riskyDir),
      runCli(['scan', '.', '--format', 'json', '--fail-on', 'medium'], riskyDir),
      runCli(['scan', '.', '--format', 'json', '--scaffolder-backend-version', '4.2.0'], riskyDir),
      runCli(['scan', '.', '--format', 'json'], join(REPOS, 'locked')),
      runCli(
        ['scan', '.', '--format', 'json', '--scaffolder-backend-version', '3.1.1'],
        join(REPOS, 'locked'),
      ),
    ]);
    portal = { ...runs[0], report: json(runs[0]) };
    [, portalStrict, portalTable] = runs;
    risky = { ...runs[3], report: json(runs[3]) };
    riskySarif = JSON.parse(runs[4].stdout);
    riskyFailing = runs[5];
    riskyPatched = { ...runs[6], report: json(runs[6]) };
    locked = { ...runs[7], report: json(runs[7]) };
    lockedOverridden = { ...runs[8], report: json(runs[8]) };
  }, 180_000);

  describe('a portal repository with Kubernetes, Helm, workflows and template skeletons', () => {
    it('exits 0: nothing at or above --fail-on, and diagnostics and notes do not fail the run', () => {
      expect(portal.report.failing).toBe(0);
      expect(portal.report.findings).toEqual([]);
      expect(portal.code).toBe(0);
      expect(validate(REPORT_SCHEMA, portal.report)).toEqual([]);
      expect(portal.stderr).toContain('3 diagnostic(s)');
    });

    it('exits 1 on diagnostics with --fail-on-diagnostics', () => {
      expect(json(portalStrict).failOnDiagnostics).toBe(true);
      expect(portalStrict.code).toBe(1);
    });

    it('skips every file that is not a Backstage entity with a note and a reason', () => {
      const byFile = new Map(portal.report.notes.map(n => [n.file, n.reason]));
      for (const [file, reason] of Object.entries(NOT_ENTITIES)) {
        expect({ file, reason: byFile.get(file) }).toEqual({ file, reason });
      }
      expect(portal.report.summary.notes).toBe(portal.report.notes.length);
      expect(portal.report.summary.notesByReason.kubernetes).toBe(2);
      // No finding and no diagnostic on any of them.
      const noisy = [...portal.report.findings, ...portal.report.diagnostics].filter(
        f => f.file in NOT_ENTITIES,
      );
      expect(noisy).toEqual([]);
    });

    it('analyses the entities and templates, their includes resolved', () => {
      const files = new Map(portal.report.files.map(f => [f.file, f]));
      expect(files.get('catalog-info.yaml')).toMatchObject({ entities: 2 });
      expect(files.get('templates/new-service/template.yaml')).toMatchObject({
        entities: 1,
        templates: 1,
      });
      // steps, parameters and a step inside the included steps came from $yaml, the
      // description from $text: no "step has no action" or "not an object" problem.
      expect(
        portal.report.diagnostics.filter(d => d.file.startsWith('templates/new-service/')),
      ).toEqual([]);
      expect(portal.report.templates.map(t => t.entityRef).sort()).toEqual([
        'template:default/escaping-include',
        'template:default/new-service',
        'template:default/remote-steps',
      ]);
    });

    it('never fetches a remote include: an info note at its line, and no diagnostic for it', () => {
      const remote = portal.report.notes.filter(n => n.reason === 'remote-include');
      expect(remote).toEqual([
        expect.objectContaining({
          file: 'templates/remote-steps/template.yaml',
          doc: 0,
          line: 10,
        }),
      ]);
      expect(
        portal.report.diagnostics.filter(d => d.file === 'templates/remote-steps/template.yaml'),
      ).toEqual([]);
    });

    it('confines includes to the root: escaping, absolute and missing paths are diagnostics', () => {
      const escape = portal.report.diagnostics.filter(d => d.file === 'escape/template.yaml');
      expect(escape.map(d => [d.code, d.line, d.level])).toEqual([
        ['include-outside-root', 10, 'warning'],
        ['include-absolute', 11, 'warning'],
        ['include-missing', 12, 'warning'],
      ]);
      expect(portal.report.diagnostics).toHaveLength(3);
      expect(portal.stdout).not.toContain('root:x:0:0');
    });

    it('shows the diagnostics and the notes as separate counts in the table', () => {
      expect(portalTable.code).toBe(0);
      expect(portalTable.stdout).toContain('3 diagnostic(s) (they do not fail the run)');
      expect(portalTable.stdout).toMatch(/\d+ file\(s\) or document\(s\) skipped/);
      expect(portalTable.stdout).toContain('0 finding(s)');
    });
  });

  describe('risky steps behind anchors, merge keys and includes', () => {
    const ssrf = (file: string) =>
      risky.report.findings.filter(
        f => f.file === file && f.rule === 'templates/template-risk/ssrf',
      );

    it('analyses a step whose action comes through a merge key like an inline one', () => {
      const text = readFileSync(join(riskyDir, 'anchors/template.yaml'), 'utf8');
      const line = text
        .slice(0, text.lastIndexOf('${{ parameters.sourceUrl }}'))
        .split('\n').length;
      expect(ssrf('anchors/template.yaml')).toEqual([
        expect.objectContaining({ templateStepId: 'fetch-extra', parameter: 'sourceUrl', line }),
      ]);
    });

    it('analyses a step included with $yaml, located at the placeholder and naming the included file', () => {
      expect(ssrf('included/template.yaml')).toEqual([
        expect.objectContaining({
          templateStepId: 'fetch-user-url',
          line: 21,
          includedFile: 'included/fetch-step.yaml',
        }),
      ]);
      expect(risky.report.diagnostics).toEqual([]);
      expect(validate(REPORT_SCHEMA, risky.report)).toEqual([]);
    });

    it('exits by --fail-on alone', () => {
      const worst = risky.report.findings.map(f => f.severity);
      expect(risky.code).toBe(worst.some(s => s === 'critical' || s === 'high') ? 1 : 0);
      expect(riskyFailing.code).toBe(1);
    });

    it('gives two files that share a template name different SARIF fingerprints', () => {
      expect(validate(SARIF_SCHEMA, riskySarif)).toEqual([]);
      const [run] = riskySarif.runs;
      const sameName = run.results.filter((r: any) =>
        /^same-name-[ab]\//.test(r.locations[0].physicalLocation.artifactLocation.uri),
      );
      expect(sameName).toHaveLength(2);
      // Same engine fingerprint (same template ref and location) …
      expect(sameName[0].properties.fingerprint).toBe(sameName[1].properties.fingerprint);
      // … different SARIF identities.
      expect(sameName[0].partialFingerprints).not.toEqual(sameName[1].partialFingerprints);
      const all = run.results.map((r: any) => JSON.stringify(r.partialFingerprints));
      expect(new Set(all).size).toBe(all.length);
    });
  });
  describe('what only the files around a template show', () => {
    const templateFinding = (report: ScanReport, file: string, rule: string) =>
      report.findings.filter(
        f => f.file === file && f.rule === `templates/template-risk/${rule}`,
      );

    it('reads the skeleton: a free parameter rendered into a run: line of a CI file is ci-workflow-injection', () => {
      const [finding] = templateFinding(
        risky.report,
        'ci-skeleton/template.yaml',
        'ci-workflow-injection',
      );
      expect(finding).toMatchObject({
        severity: 'high',
        templateStepId: 'render',
        parameter: 'version',
      });
      expect(finding.message).toContain('.github/workflows/release.yml');
      // `name` is constrained by an anchored token pattern: rendered too, but not reported.
      expect(
        templateFinding(risky.report, 'ci-skeleton/template.yaml', 'ci-workflow-injection'),
      ).toHaveLength(1);
    });

    it('rates a user-chosen path by the scaffolder-backend version: unknown high, patched medium', () => {
      const path = (report: ScanReport) =>
        templateFinding(report, 'ci-skeleton/template.yaml', 'path-traversal');
      expect(path(risky.report)).toEqual([
        expect.objectContaining({ severity: 'high', parameter: 'dir' }),
      ]);
      expect(path(risky.report)[0].message).toMatch(/version unknown/);
      expect(path(riskyPatched.report)).toEqual([
        expect.objectContaining({ severity: 'medium', parameter: 'dir' }),
      ]);
      expect(path(riskyPatched.report)[0].message).toMatch(
        /4\.2\.0 \(--scaffolder-backend-version\) has the workspace-escape fixes/,
      );
    });

    it('takes the version from a scanned lockfile unless the flag names one', () => {
      const [fromLockfile] = templateFinding(locked.report, 'template.yaml', 'path-traversal');
      expect(fromLockfile.severity).toBe('high');
      expect(fromLockfile.message).toMatch(
        /3\.1\.0 \(lockfile package-lock\.json\) is in the range of GHSA-rq6q-wr2q-7pgp/,
      );
      const [fromFlag] = templateFinding(
        lockedOverridden.report,
        'template.yaml',
        'path-traversal',
      );
      expect(fromFlag.severity).toBe('medium');
    });
  });
});
