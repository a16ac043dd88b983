import fs from 'fs';
import path from 'path';
import { analyzeTemplate } from './analyzeTemplate';
import { analyzeTemplateSource } from './templateSource';
import { scoreTemplate } from './scoring';
import { scaffolderConfinement } from './scaffolderVersion';
import { SinkRegistry } from './sinks';

const DEMO = path.resolve(__dirname, '../../../../dev/templates');
// The demo portal runs scaffolder-backend 4.2.0, which has the workspace-escape fixes.
const PATCHED = scaffolderConfinement('4.2.0', 'demo portal');
const demo = (name: string) =>
  analyzeTemplateSource(
    fs.readFileSync(path.join(DEMO, name, 'template.yaml'), 'utf8'),
    { name, scaffolder: PATCHED },
  )[0];

function template(
  spec: Record<string, unknown>,
  apiVersion = 'scaffolder.backstage.io/v1beta3',
) {
  return {
    apiVersion,
    kind: 'Template',
    metadata: { name: 't', namespace: 'default' },
    spec: { owner: 'team-a', type: 'service', ...spec },
  };
}

const summary = (t: unknown, options = {}) =>
  analyzeTemplate(t, options)
    .findings.map(f => `${f.rule}@${f.stepId ?? '-'}:${f.parameter ?? '-'}`)
    .sort();

describe('analyzeTemplate', () => {
  it('scores the demo templates from safe to malicious', () => {
    const scores = Object.fromEntries(
      ['safe-service', 'docs-site', 'risky-copy-files', 'insider-exfil'].map(
        n => [n, demo(n).score],
      ),
    );
    expect(scores['safe-service']).toBe(0);
    expect(scores['docs-site']).toBeGreaterThan(0);
    expect(scores['docs-site']).toBeLessThan(scores['risky-copy-files']);
    expect(scores['risky-copy-files']).toBeLessThan(scores['insider-exfil']);
    expect(demo('insider-exfil').band).toBe('critical');
  });

  it('names template, step, action, input, parameter and the advisory behind the rule', () => {
    const finding = demo('risky-copy-files').findings.find(
      f => f.rule === 'path-traversal' && f.stepId === 'fetch-files',
    )!;
    expect(finding).toMatchObject({
      location: 'steps[fetch-files].input.targetPath',
      action: 'fetch:plain',
      inputPath: 'targetPath',
      parameter: 'targetPath',
    });
    expect(finding.evidence).toMatchObject({
      template: 'template:default/risky-copy-files',
      step: 'fetch-files',
      action: 'fetch:plain',
      input: 'targetPath',
      parameter: 'targetPath',
    });
    expect(String(finding.evidence.reference)).toContain('GHSA-mg3m-f475-28hv');
    expect(String(finding.evidence.reference)).toContain(
      '../../.ssh/authorized_keys',
    );
  });

  it('sees through replace("../", "") in the insider template and flags the exfiltration', () => {
    const insider = demo('insider-exfil');
    const ssrf = insider.findings.find(
      f => f.rule === 'ssrf' && f.parameter === 'callbackPath',
    )!;
    expect(ssrf.evidence.filters).toContain("'replace'");
    const critical = insider.findings.filter(
      f => f.rule === 'secret-exposure' && f.severity === 'critical',
    );
    // The Backstage token leaves in a URL and to a user-chosen proxy endpoint. The warehouse
    // key is a secret the user typed: sent where that user chose, it is theirs to send (it is
    // still reported where others read it: the request body and the task log).
    expect(critical.map(f => f.location).sort()).toEqual([
      'steps[notify].input.url',
      'steps[register-pipeline].input.headers.authorization',
    ]);
    expect(
      insider.findings.some(
        f =>
          f.rule === 'secret-exposure' &&
          f.location === 'steps[register-pipeline].input.body.apiKey',
      ),
    ).toBe(true);
  });

  it('credits enum, const and anchored patterns, and nothing weaker', () => {
    const withSchema = (schema: object) =>
      summary(
        template({
          parameters: [{ properties: { dir: { type: 'string', ...schema } } }],
          steps: [
            {
              id: 'f',
              action: 'fetch:plain',
              input: { url: './x', targetPath: './${{ parameters.dir }}' },
            },
          ],
        }),
      );
    expect(withSchema({ enum: ['a', 'b'] })).toEqual([]);
    expect(withSchema({ const: 'a' })).toEqual([]);
    expect(withSchema({ pattern: '^[a-z0-9-]{1,20}$' })).toEqual([]);
    expect(withSchema({ enum: ['a', '../../etc'] })).toEqual([
      'path-traversal@f:dir',
    ]);
    expect(withSchema({ pattern: '[a-z]+' })).toEqual(['path-traversal@f:dir']);
    expect(withSchema({ pattern: '^.*$' })).toEqual(['path-traversal@f:dir']);
    expect(withSchema({ maxLength: 10 })).toEqual(['path-traversal@f:dir']);
    expect(withSchema({ 'ui:field': 'EntityPicker' })).toEqual([
      'path-traversal@f:dir',
    ]);
  });

  it('does not treat lower or replace as sanitisers, but credits numeric filters', () => {
    const flow = (expression: string) =>
      summary(
        template({
          parameters: [{ properties: { n: { type: 'string' } } }],
          steps: [
            {
              id: 'f',
              action: 'fetch:plain',
              input: { url: './x', targetPath: expression },
            },
          ],
        }),
      );
    expect(flow('${{ parameters.n | lower | replace("../", "") }}')).toEqual([
      'path-traversal@f:n',
    ]);
    expect(flow('./r-${{ parameters.n | int }}')).toEqual([]);
    expect(flow('./r-${{ parameters.n | length }}')).toEqual([]);
  });

  it('follows taint through each, step outputs and undeclared parameters', () => {
    const result = summary(
      template({
        parameters: [
          {
            properties: {
              items: { type: 'array', maxItems: 3, items: { type: 'string' } },
            },
          },
        ],
        steps: [
          {
            id: 'a',
            action: 'acme:transform',
            input: { value: '${{ parameters.hidden }}' },
          },
          {
            id: 'b',
            each: '${{ parameters.items }}',
            action: 'fs:delete',
            input: { files: ['${{ each.value }}'] },
          },
          {
            id: 'c',
            action: 'fetch:plain',
            input: {
              url: './x',
              targetPath: "${{ steps['a'].output.result }}",
            },
          },
        ],
      }),
    );
    // acme:transform is unknown: nothing shows that its output echoes its input, so its
    // output does not carry the parameter into step c.
    expect(result).toEqual([
      'destructive-action@b:items',
      'path-traversal@b:items',
      'unvalidated-param@a:hidden',
    ]);
  });

  it('carries taint through outputs of actions known to echo their inputs', () => {
    const result = summary(
      template({
        steps: [
          {
            id: 'a',
            action: 'roadiehq:utils:serialize:json',
            input: { data: { dir: '${{ parameters.hidden }}' } },
          },
          {
            id: 'c',
            action: 'fetch:plain',
            input: {
              url: './x',
              targetPath: "${{ steps['a'].output.serialized }}",
            },
          },
        ],
      }),
    );
    expect(result).toEqual(['path-traversal@c:hidden']);
  });

  it('uses the installed actions list to classify custom action inputs', () => {
    const t = template({
      parameters: [{ properties: { where: { type: 'string' } } }],
      steps: [
        {
          id: 'x',
          action: 'acme:write',
          input: { destination: '${{ parameters.where }}' },
        },
      ],
    });
    expect(summary(t)).toEqual(['unvalidated-param@x:where']);
    const sinks = new SinkRegistry({
      installedActions: [
        {
          id: 'acme:write',
          schema: {
            input: {
              properties: {
                destination: {
                  type: 'string',
                  description: 'Directory to write to',
                },
              },
            },
          },
        },
      ],
    });
    expect(summary(t, { sinks })).toEqual(['path-traversal@x:where']);
    const configured = new SinkRegistry({
      extraSinks: [
        {
          action: 'acme:write',
          input: 'destination',
          kind: 'command',
          source: 'config',
        },
      ],
    });
    expect(summary(t, { sinks: configured })).toEqual([
      'command-injection@x:where',
    ]);
  });

  it('reports literal credentials with the secret for the engine to mask, never in the text', () => {
    const fake = ['wTQrHONPbBhxd5', 'xAkhf8MGAczbHRaDv7MJNOaDsg'].join('');
    const analysis = analyzeTemplate(
      template({
        steps: [
          {
            id: 'p',
            action: 'publish:github',
            input: { repoUrl: 'github.com?owner=a&repo=b', token: fake },
          },
        ],
      }),
    );
    const finding = analysis.findings.find(f => f.rule === 'hardcoded-secret')!;
    expect(finding.secret?.value).toBe(fake);
    expect(JSON.stringify({ ...finding, secret: undefined })).not.toContain(
      fake,
    );
    expect(JSON.stringify(analysis.contributions)).not.toContain(fake);
  });

  it('explains the score: contributions add up to it, repeats count less, the cap shows', () => {
    const one = scoreTemplate([
      { rule: 'ssrf', severity: 'high', message: 'm' },
    ]);
    // 30 points alone would be 'medium': the worst finding (high) raises it to its band.
    expect(one).toMatchObject({ score: 45, band: 'high' });
    expect(one.contributions.map(c => [c.kind, c.points])).toEqual([
      ['finding', 30],
      ['severity-floor', 15],
    ]);
    const repeated = scoreTemplate([
      { rule: 'ssrf', severity: 'high', message: 'a' },
      { rule: 'ssrf', severity: 'high', message: 'b' },
    ]);
    expect(repeated.contributions.map(c => c.points)).toEqual([30, 8, 7]);
    for (const name of ['insider-exfil', 'risky-copy-files', 'docs-site']) {
      const analysis = demo(name);
      expect(analysis.contributions.reduce((sum, c) => sum + c.points, 0)).toBe(
        analysis.score,
      );
    }
    expect(
      demo('insider-exfil').contributions.some(c => c.kind === 'score-cap'),
    ).toBe(true);
  });

  it('scores lower when a permission policy gates the template, and says why', () => {
    const plain = demo('risky-copy-files');
    const gated = analyzeTemplateSource(
      fs.readFileSync(
        path.join(DEMO, 'risky-copy-files', 'template.yaml'),
        'utf8',
      ),
      {
        gating: { factor: 0.5, reason: 'only platform-team may run templates' },
        scaffolder: PATCHED,
      },
    )[0];
    expect(gated.contributions).toContainEqual(
      expect.objectContaining({
        kind: 'permission-gating',
        points: -Math.round(plain.score * 0.5),
        explanation: 'only platform-team may run templates',
      }),
    );
    // Never below the band of the worst finding.
    const worst = plain.findings.some(f => f.severity === 'high') ? 45 : 20;
    expect(gated.score).toBe(
      Math.max(worst, plain.score - Math.round(plain.score * 0.5)),
    );
  });

  it('analyses v1beta2 templates from raw objects as legacy', () => {
    const analysis = demo('legacy-v1beta2');
    expect(analysis.legacy).toBe(true);
    expect(analysis.findings.map(f => f.rule)).toContain(
      'legacy-template-syntax',
    );
  });

  it('turns any malformed shape into diagnostics, never an exception', () => {
    const shapes: unknown[] = [
      null,
      42,
      'text',
      [],
      {},
      { kind: 'Template' },
      { kind: 'Template', spec: [] },
      template({ steps: 'fetch' }),
      template({
        steps: [
          null,
          1,
          { action: 7 },
          { id: {}, action: 'debug:log', input: 'x' },
        ],
      }),
      template({
        parameters: 'nope',
        steps: [
          { action: 'fetch:plain', input: { targetPath: { deep: [[[[]]]] } } },
        ],
      }),
      template({
        parameters: [{ properties: { a: null, b: [] } }],
        output: 42,
      }),
      template({
        steps: [
          {
            action: 'fetch:plain',
            each: 5,
            if: {},
            input: { url: '${{ ((( }}' },
          },
        ],
      }),
    ];
    for (const shape of shapes) {
      const analysis = analyzeTemplate(shape);
      expect(analysis.score).toBeGreaterThanOrEqual(0);
      expect(analysis.score).toBeLessThanOrEqual(100);
    }
    // Parse problems are diagnostics: no findings, no points.
    const text = analyzeTemplate('text');
    expect(text.findings).toEqual([]);
    expect(text.parseError).toBe(true);
    expect(text.diagnostics.map(d => d.location)).toEqual(['(document)']);
    const notYaml = analyzeTemplateSource(': : :\n\t- [', { name: 'x' })[0];
    expect(notYaml.findings).toEqual([]);
    expect(notYaml.diagnostics[0].message).toMatch(/YAML/);
  });

  it('stays fast on huge and hostile templates', () => {
    const steps = Array.from({ length: 600 }, (_, i) => ({
      id: `s${i}`,
      action: 'fetch:template',
      input: {
        url: './x',
        targetPath: `./${'${{ parameters.a }}'.repeat(20)}`,
        values: { v: 'x'.repeat(2000) },
      },
    }));
    const start = Date.now();
    const analysis = analyzeTemplate(
      template({
        parameters: [{ properties: { a: { type: 'string' } } }],
        steps,
      }),
    );
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(analysis.diagnostics.some(d => d.location === 'spec.steps')).toBe(
      true,
    );
    expect(analysis.score).toBeLessThanOrEqual(100);
  });
  it('rates a user-chosen path in a confining action by the scaffolder-backend version', () => {
    const pathSeverity = (targetPath: string, version?: string) =>
      analyzeTemplate(
        template({
          parameters: [{ properties: { dir: { type: 'string' } } }],
          steps: [
            {
              id: 'f',
              action: 'fetch:template',
              input: { url: './skeleton', targetPath },
            },
          ],
        }),
        { scaffolder: scaffolderConfinement(version, 'test') },
      ).findings.find(f => f.rule === 'path-traversal')?.severity;
    const free = '${{ parameters.dir }}';
    const based = 'services/${{ parameters.dir }}';
    // In the range of GHSA-rq6q-wr2q-7pgp: high wherever the parameter sits.
    expect(pathSeverity(free, '3.1.0')).toBe('high');
    expect(pathSeverity(based, '2.2.1')).toBe('high');
    // Unknown: high when the parameter starts the path, medium below a fixed directory.
    expect(pathSeverity(free)).toBe('high');
    expect(pathSeverity(based)).toBe('medium');
    // Patched: the path stays in the workspace.
    expect(pathSeverity(free, '3.1.1')).toBe('medium');
    expect(pathSeverity(free, '4.2.0')).toBe('medium');
  });

  it('decides severity by whose credentials a step uses', () => {
    const repoFinding = (token?: string) =>
      analyzeTemplate(
        template({
          parameters: [
            {
              properties: {
                repoUrl: {
                  type: 'string',
                  'ui:field': 'RepoUrlPicker',
                  'ui:options': {
                    requestUserCredentials: { secretsKey: 'MY_TOKEN' },
                  },
                },
              },
            },
          ],
          steps: [
            {
              id: 'p',
              action: 'publish:github',
              input: {
                repoUrl: '${{ parameters.repoUrl }}',
                ...(token ? { token } : {}),
              },
            },
          ],
        }),
      ).findings.find(f => f.rule === 'unvalidated-param');
    // The backend's integration writes wherever the user points it.
    expect(repoFinding()?.severity).toBe('medium');
    // With the user's own token (requestUserCredentials) it can do no more than the user.
    const own = repoFinding('${{ secrets.MY_TOKEN }}');
    expect(own?.severity).toBe('info');
    expect(own?.message).toMatch(/executing user's own token/);
  });
});
