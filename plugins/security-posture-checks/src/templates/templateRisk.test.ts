import { Entity } from '@backstage/catalog-model';
import { JsonValue } from '@backstage/types';
import {
  PermissionCoverageMatrix,
  TemplateScoresData,
} from '@security-posture/plugin-security-posture-common';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import { parse } from 'yaml';
import { templateRiskCheck } from './templateRisk';

const DEMO = path.resolve(__dirname, '../../../../dev/templates');
const demo = (name: string) =>
  parse(
    fs.readFileSync(path.join(DEMO, name, 'template.yaml'), 'utf8'),
  ) as Entity;
const catalogTemplates = [
  'safe-service',
  'docs-site',
  'risky-copy-files',
  'insider-exfil',
].map(demo);
const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'svc' },
  spec: { owner: 'a' },
};

const auth = {
  getOwnServiceCredentials: jest.fn(async () => ({
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'service', subject: 'plugin:security-posture' },
  })),
  getPluginRequestToken: jest.fn(async () => ({ token: 'service-token' })),
};
const discovery = (baseUrl: string) => ({
  getBaseUrl: jest.fn(async () => baseUrl),
  getExternalBaseUrl: jest.fn(async () => baseUrl),
});

function matrix(createDecision: 'ALLOW' | 'DENY'): PermissionCoverageMatrix {
  return {
    generatedAt: '2026-01-01T00:00:00Z',
    frameworkEnabled: true,
    policyRegistered: true,
    plugins: [],
    permissions: [],
    principals: [
      {
        id: 'dana',
        label: 'Dana (owns nothing)',
        kind: 'user-owns-nothing',
        source: 'policy-evaluation',
      },
    ],
    cells: [
      {
        permission: 'scaffolder.task.create',
        principal: 'dana',
        decision: { result: createDecision },
      },
      {
        permission: 'scaffolder.template.parameter.read',
        principal: 'dana',
        decision: { result: 'ALLOW' },
      },
    ],
    notes: [],
  };
}

async function run(options: Parameters<typeof runSecurityCheck>[1] = {}) {
  let scores: TemplateScoresData | undefined;
  const results = await runSecurityCheck(templateRiskCheck, {
    entities: [...catalogTemplates, component],
    services: {
      auth: auth as any,
      discovery: discovery('http://127.0.0.1:1/api/scaffolder') as any,
    },
    onPublish: (key, data) => {
      if (key === 'scores') scores = data as unknown as TemplateScoresData;
    },
    ...options,
  });
  return { results, scores: scores! };
}

describe('templates/template-risk', () => {
  it('reports one result per finding on the template target and publishes ranked scores', async () => {
    const { results, scores } = await run();
    const safe = results.filter(
      r =>
        r.target.type === 'template' &&
        r.target.entityRef === 'template:default/safe-service',
    );
    expect(safe).toEqual([expect.objectContaining({ outcome: 'pass' })]);

    const failures = results.filter(r => r.outcome === 'fail');
    expect(failures.every(r => r.target.type === 'template')).toBe(true);
    // Locations keep findings apart, so fingerprints do not collide.
    const keys = failures.map(
      r => `${(r.target as { entityRef: string }).entityRef}|${r.location}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    const traversal = failures.find(
      r => r.location === 'steps[fetch-files].input.targetPath#path-traversal',
    )!;
    expect(traversal.evidence).toMatchObject({
      step: 'fetch-files',
      action: 'fetch:plain',
      input: 'targetPath',
      parameter: 'targetPath',
      rule: 'path-traversal',
    });
    expect(String(traversal.evidence!.actionsList)).toMatch(/unavailable/);
    // Every result names its template, so its findings get the template's kind and owners
    // (issue 17, defect 2).
    for (const r of results.filter(x => x.target.type === 'template')) {
      expect(r.entity?.kind).toBe('Template');
      expect(`template:default/${r.entity?.metadata.name}`).toBe(
        (r.target as { entityRef: string }).entityRef,
      );
    }
    expect(traversal.entity?.spec?.owner).toBe('payments');

    expect(scores.templates.map(t => t.entityRef)).toEqual([
      'template:default/insider-exfil',
      'template:default/risky-copy-files',
      'template:default/docs-site',
      'template:default/safe-service',
    ]);
    expect(scores.templates[0]).toMatchObject({
      band: 'critical',
      owner: 'data-platform',
      title: 'Data Pipeline Bootstrap',
    });
    expect(scores.histogram.reduce((a, b) => a + b, 0)).toBe(4);
    expect(scores.bands.map(b => b.band)).toEqual([
      'none',
      'low',
      'medium',
      'high',
      'critical',
    ]);
    expect(scores.actionsList.available).toBe(false);
    expect(scores.permissionGating.applied).toBe(false);
    for (const t of scores.templates) {
      expect(t.contributions.reduce((s, c) => s + c.points, 0)).toBe(t.score);
    }
  });

  it('reads the installed actions list with a service token and uses its schemas', async () => {
    const server = http.createServer((req, res) => {
      if (
        req.url !== '/api/scaffolder/v2/actions' ||
        req.headers.authorization !== 'Bearer service-token'
      ) {
        res.writeHead(401).end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify([
          {
            id: 'fetch:plain',
            schema: { input: { properties: { url: { type: 'string' } } } },
          },
          {
            id: 'acme:write',
            schema: {
              input: {
                properties: {
                  outputDirectory: {
                    type: 'string',
                    description: 'Directory to write into',
                  },
                },
              },
            },
          },
        ]),
      );
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/scaffolder`;
    try {
      const custom: Entity = {
        apiVersion: 'scaffolder.backstage.io/v1beta3',
        kind: 'Template',
        metadata: { name: 'custom' },
        spec: {
          owner: 'a',
          parameters: [{ properties: { dir: { type: 'string' } } }],
          steps: [
            {
              id: 'w',
              action: 'acme:write',
              input: { outputDirectory: '${{ parameters.dir }}' },
            },
          ],
        },
      };
      const { results, scores } = await run({
        entities: [custom],
        services: {
          auth: auth as any,
          discovery: discovery(base) as any,
          fetch,
        },
      });
      expect(scores.actionsList).toMatchObject({
        available: true,
        actionCount: 2,
      });
      expect(results.map(r => r.location)).toEqual([
        'steps[w].input.outputDirectory#path-traversal',
      ]);
      expect(auth.getPluginRequestToken).toHaveBeenCalledWith(
        expect.objectContaining({ targetPluginId: 'scaffolder' }),
      );
    } finally {
      server.close();
    }
  });

  it('analyses without the actions list when the scaffolder does not answer in time', async () => {
    const server = http.createServer(() => {
      // never answers
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/scaffolder`;
    try {
      const { results, scores } = await run({
        services: {
          auth: auth as any,
          discovery: discovery(base) as any,
          fetch,
        },
        options: { actionsTimeoutMs: 200 },
      });
      expect(scores.actionsList).toMatchObject({
        available: false,
        message: expect.stringMatching(/within 200 ms/),
      });
      expect(results.some(r => r.outcome === 'fail')).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('lowers scores when ordinary users may not run templates, and only then', async () => {
    const plain = (await run()).scores;
    const denied = (
      await run({
        published: {
          'permissions/policy-coverage#matrix': matrix(
            'DENY',
          ) as unknown as JsonValue,
        },
      })
    ).scores;
    const allowed = (
      await run({
        published: {
          'permissions/policy-coverage#matrix': matrix(
            'ALLOW',
          ) as unknown as JsonValue,
        },
      })
    ).scores;
    const score = (s: TemplateScoresData, ref: string) =>
      s.templates.find(t => t.entityRef === ref)!.score;
    const ref = 'template:default/risky-copy-files';
    expect(score(denied, ref)).toBe(
      score(plain, ref) - Math.round(score(plain, ref) * 0.5),
    );
    expect(denied.permissionGating).toMatchObject({
      applied: true,
      factor: 0.5,
    });
    // Gating halves the score; the band of the worst finding is a floor it cannot go below.
    expect(
      denied.templates[0].contributions.some(
        c => c.kind === 'permission-gating' && c.points < 0,
      ),
    ).toBe(true);
    expect(score(allowed, ref)).toBe(score(plain, ref));
    expect(allowed.permissionGating.reason).toMatch(/may run templates/);
  });

  it('analyses a catalog template again only when it or the analysis settings changed', async () => {
    const risky = demo('risky-copy-files');
    const safeSpec = demo('safe-service').spec;
    const stored = (etag: string, spec = risky.spec): Entity => ({
      ...risky,
      metadata: { ...risky.metadata, uid: 'uid-risky', etag },
      spec,
    });
    const failures = (results: Awaited<ReturnType<typeof run>>['results']) =>
      results.filter(r => r.outcome === 'fail').length;
    const first = await run({ entities: [stored('etag-1')] });
    expect(failures(first.results)).toBeGreaterThan(0);
    // Same uid and etag: the catalog says nothing changed, so the analysis is reused (this
    // entity's content differs only to show that it was not read again).
    const reused = await run({ entities: [stored('etag-1', safeSpec)] });
    const withoutSubject = (results: typeof first.results) =>
      results.map(({ entity: _subject, ...rest }) => rest);
    expect(withoutSubject(reused.results)).toEqual(withoutSubject(first.results));
    // A new etag: analysed again.
    const changed = await run({ entities: [stored('etag-2', safeSpec)] });
    expect(failures(changed.results)).toBe(0);
    // Other settings (the permission policy now gates templates): analysed again.
    const gated = await run({
      entities: [stored('etag-2', risky.spec)],
      published: {
        'permissions/policy-coverage#matrix': matrix('DENY') as unknown as JsonValue,
      },
    });
    expect(failures(gated.results)).toBeGreaterThan(0);
    expect(gated.scores.permissionGating.applied).toBe(true);
  });

  it('isolates a template the analyser crashes on and goes on with the rest', async () => {
    const exploding = new Proxy(demo('docs-site'), {
      get(target, prop) {
        if (prop === 'spec') throw new Error('boom');
        return Reflect.get(target, prop);
      },
    });
    const { results, scores } = await run({
      entities: [exploding, demo('risky-copy-files')],
    });
    const errors = results.filter(r => r.outcome === 'error');
    expect(errors).toEqual([
      expect.objectContaining({
        target: { type: 'template', entityRef: 'template:default/docs-site' },
      }),
    ]);
    expect(scores.errors).toEqual([
      { entityRef: 'template:default/docs-site', message: 'boom' },
    ]);
    expect(results.filter(r => r.outcome === 'fail').length).toBeGreaterThan(0);
  });

  it('gives way to the event loop while it analyses a page of templates', async () => {
    // Each template takes 2 ms to read: 60 of them on one page are 120 ms of analysis. Turns of
    // the event loop are counted between the first template read and the last: none if the page
    // were analysed in one go.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    const turnsAtRead: number[] = [];
    const slowTemplate = () => {
      let read = false;
      return new Proxy(demo('safe-service'), {
        get(target, prop) {
          if (prop === 'spec' && !read) {
            read = true;
            turnsAtRead.push(turns);
            const until = performance.now() + 2;
            while (performance.now() < until);
          }
          return Reflect.get(target, prop);
        },
      });
    };
    setImmediate(tick);
    const { results } = await run({
      entities: Array.from({ length: 60 }, slowTemplate),
    });
    ticking = false;
    expect(results.filter(r => r.outcome === 'pass')).toHaveLength(60);
    expect(turnsAtRead).toHaveLength(60);
    // At least every 5 ms of analysis: ~20 turns over 120 ms.
    expect(turnsAtRead[59] - turnsAtRead[0]).toBeGreaterThanOrEqual(10);
  });

  it('is not applicable without templates and rejects unknown sink kinds in options', async () => {
    const { results } = await run({ entities: [component] });
    expect(results).toEqual([
      expect.objectContaining({ outcome: 'notApplicable' }),
    ]);
    await expect(
      run({
        options: {
          sinks: [{ action: 'acme:x', input: 'y', kind: 'teleport' }],
        },
      }),
    ).rejects.toThrow(/unknown kind 'teleport'/);
  });
});
