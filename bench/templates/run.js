#!/usr/bin/env node
/* eslint-disable no-console */
/**
 * Benchmark of the scaffolder template analyser: templates analysed per second on a generated,
 * seeded set of 2,000 templates. Not part of `npm test`.
 *
 *   node bench/templates/run.js [--count 2000] [--seed 42] [--rounds 5]
 *
 * The analyser is TypeScript; this script bundles it on the fly with esbuild (installed in
 * node_modules) into a temporary CommonJS file, with nunjucks and yaml left external. Two
 * baselines are measured in the same run on the same data, so the result is read as ratios:
 * parsing the YAML alone, and a structured clone of the parsed objects.
 * Writes bench/results/templates.json.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(
  ROOT,
  'plugins/static-analysis/src/templates/analyzeTemplate.ts',
);
const RESULTS = path.join(ROOT, 'bench/results/templates.json');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function loadAnalyzer() {
  const esbuild = require(path.join(ROOT, 'node_modules/esbuild'));
  const outfile = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'template-bench-')),
    'analyzer.js',
  );
  await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    nodePaths: [path.join(ROOT, 'node_modules')],
    logLevel: 'warning',
    plugins: [
      {
        // nunjucks and yaml stay external, required by absolute path from the repository.
        name: 'repository-externals',
        setup(build) {
          build.onResolve({ filter: /^(nunjucks|yaml)$/ }, args => ({
            path: require.resolve(args.path, { paths: [ROOT] }),
            external: true,
          }));
        },
      },
    ],
  });
  return require(outfile);
}

// mulberry32: small, seeded, good enough for test data.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(count, seed) {
  const random = rng(seed);
  const pick = list => list[Math.floor(random() * list.length)];
  const int = (min, max) => min + Math.floor(random() * (max - min + 1));
  const owners = [
    'platform-team',
    'payments',
    'identity',
    'search',
    'data-platform',
    undefined,
  ];
  const constraints = [
    () => ({ type: 'string' }),
    () => ({ type: 'string', pattern: '^[a-z][a-z0-9-]{1,30}$' }),
    () => ({ type: 'string', pattern: '[a-z]+' }),
    () => ({ type: 'string', enum: ['a', 'b', 'c'] }),
    () => ({ type: 'integer', maximum: 10 }),
    () => ({ type: 'boolean' }),
    () => ({ type: 'string', 'ui:field': 'Secret' }),
    () => ({
      type: 'string',
      'ui:field': 'RepoUrlPicker',
      'ui:options': { allowedHosts: ['github.com'] },
    }),
    () => ({ type: 'array', items: { type: 'string' } }),
  ];
  const templates = [];
  for (let t = 0; t < count; t++) {
    const params = {};
    const names = [];
    for (let p = 0, n = int(1, 12); p < n; p++) {
      const name = `param${p}`;
      params[name] = { title: `Parameter ${p}`, ...pick(constraints)() };
      names.push(name);
    }
    const ref = () => {
      const r = random();
      if (r < 0.55) return `\${{ parameters.${pick(names)} }}`;
      if (r < 0.65)
        return `\${{ parameters.${pick(names)} | lower | replace(" ", "-") }}`;
      if (r < 0.72)
        return `\${{ secrets.${pick(['backstageToken', 'apiKey'])} }}`;
      if (r < 0.8) return `\${{ user.entity.metadata.name }}`;
      return pick([
        './content',
        'main',
        'static text',
        'https://github.com/acme/x',
      ]);
    };
    const steps = [];
    for (let s = 0, n = int(2, 15); s < n; s++) {
      const id = `step-${s}`;
      const previous =
        s > 0 ? `\${{ steps['step-${s - 1}'].output.value }}` : './';
      const kind = pick([
        'fetch',
        'fetch',
        'publish',
        'register',
        'log',
        'delete',
        'custom',
        'dispatch',
        'http',
      ]);
      let step;
      switch (kind) {
        case 'fetch':
          step = {
            action: pick(['fetch:template', 'fetch:plain']),
            input: {
              url: pick(['./content', ref()]),
              targetPath: `./${ref()}`,
              values: { name: ref(), description: ref(), owner: ref() },
            },
          };
          break;
        case 'publish':
          step = {
            action: 'publish:github',
            input: {
              repoUrl: ref(),
              description: ref(),
              repoVisibility: pick(['private', 'public', ref()]),
              token: ref(),
            },
          };
          break;
        case 'register':
          step = {
            action: 'catalog:register',
            input: {
              repoContentsUrl: previous,
              catalogInfoPath: '/catalog-info.yaml',
            },
          };
          break;
        case 'log':
          step = {
            action: 'debug:log',
            input: { message: `Created ${ref()} for ${ref()}` },
          };
          break;
        case 'delete':
          step = {
            action: 'fs:delete',
            input: { files: [`./${ref()}/tmp`, './.git'] },
          };
          break;
        case 'custom':
          step = {
            action: 'acme:custom',
            input: {
              path: ref(),
              value: previous,
              nested: { deep: [ref(), ref()] },
            },
          };
          break;
        case 'dispatch':
          step = {
            action: 'github:actions:dispatch',
            input: {
              repoUrl: 'github.com?owner=acme&repo=x',
              workflowId: 'ci.yml',
              branchOrTagName: 'main',
              workflowInputs: { a: ref(), b: ref() },
            },
          };
          break;
        default:
          step = {
            action: 'http:backstage:request',
            input: {
              method: 'POST',
              path: `/proxy/${ref()}`,
              headers: { authorization: ref() },
              body: { a: ref() },
            },
          };
      }
      if (random() < 0.1) step.if = `\${{ parameters.${pick(names)} }}`;
      if (random() < 0.05) step.each = `\${{ parameters.${pick(names)} }}`;
      steps.push({ id, name: `Step ${s}`, ...step });
    }
    templates.push({
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: {
        name: `generated-${t}`,
        namespace: 'default',
        title: `Generated ${t}`,
      },
      spec: {
        ...(pick(owners) ? { owner: pick(owners.filter(Boolean)) } : {}),
        type: 'service',
        parameters: [{ title: 'Inputs', properties: params }],
        steps,
        output: {
          links: [
            {
              title: 'Repository',
              url: `\${{ steps['step-0'].output.remoteUrl }}`,
            },
          ],
        },
      },
    });
  }
  return templates;
}

function time(fn) {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const count = arg('count', 2000);
  const seed = arg('seed', 42);
  const rounds = arg('rounds', 5);
  const { analyzeTemplate, analyzeTemplateSource } = await loadAnalyzer();
  const YAML = require(require.resolve('yaml', { paths: [ROOT] }));

  const templates = generate(count, seed);
  const sources = templates.map(t => YAML.stringify(t));
  const bytes = sources.reduce((n, s) => n + s.length, 0);

  // Warm-up: JIT, parser caches.
  templates.slice(0, 200).forEach(t => analyzeTemplate(t));

  const runs = {
    analyzeObjects: [],
    analyzeSources: [],
    yamlParse: [],
    structuredClone: [],
  };
  let summary;
  for (let r = 0; r < rounds; r++) {
    runs.yamlParse.push(
      time(() => sources.forEach(s => YAML.parseAllDocuments(s))).ms,
    );
    runs.structuredClone.push(
      time(() => templates.forEach(t => structuredClone(t))).ms,
    );
    const objects = time(() => templates.map(t => analyzeTemplate(t)));
    runs.analyzeObjects.push(objects.ms);
    runs.analyzeSources.push(
      time(() =>
        sources.forEach((s, i) => analyzeTemplateSource(s, { name: `g${i}` })),
      ).ms,
    );
    summary = objects.value;
  }

  const perSecond = ms => Math.round((count / ms) * 1000);
  const bands = {};
  const rules = {};
  for (const a of summary) {
    bands[a.band] = (bands[a.band] ?? 0) + 1;
    for (const f of a.findings) rules[f.rule] = (rules[f.rule] ?? 0) + 1;
  }
  const m = Object.fromEntries(
    Object.entries(runs).map(([k, v]) => [k, median(v)]),
  );
  const result = {
    benchmark: 'scaffolder template analyser',
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    runner: `esbuild ${
      require(path.join(ROOT, 'node_modules/esbuild/package.json')).version
    } bundle of ${path.relative(ROOT, ENTRY)}`,
    input: {
      templates: count,
      seed,
      rounds,
      yamlBytes: bytes,
      steps: templates.reduce((n, t) => n + t.spec.steps.length, 0),
    },
    medianMs: m,
    templatesPerSecond: {
      analyzeTemplate: perSecond(m.analyzeObjects),
      analyzeTemplateSource: perSecond(m.analyzeSources),
      yamlParseOnly: perSecond(m.yamlParse),
    },
    ratios: {
      analyzeTemplateVsYamlParse: Number(
        (m.analyzeObjects / m.yamlParse).toFixed(2),
      ),
      analyzeSourceVsYamlParse: Number(
        (m.analyzeSources / m.yamlParse).toFixed(2),
      ),
      analyzeTemplateVsStructuredClone: Number(
        (m.analyzeObjects / m.structuredClone).toFixed(2),
      ),
    },
    allRunsMs: runs,
    output: {
      bands,
      findingsByRule: rules,
      findings: Object.values(rules).reduce((a, b) => a + b, 0),
    },
  };
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `${count} templates (${result.input.steps} steps, ${(
      bytes /
      1024 /
      1024
    ).toFixed(1)} MiB YAML), median of ${rounds} rounds:\n` +
      `  analyzeTemplate (objects):     ${m.analyzeObjects.toFixed(0)} ms  ${
        result.templatesPerSecond.analyzeTemplate
      } templates/s\n` +
      `  analyzeTemplateSource (YAML):  ${m.analyzeSources.toFixed(0)} ms  ${
        result.templatesPerSecond.analyzeTemplateSource
      } templates/s\n` +
      `  baseline: YAML parse only      ${m.yamlParse.toFixed(
        0,
      )} ms  (analyser = ${
        result.ratios.analyzeTemplateVsYamlParse
      }× YAML parse)\n` +
      `  baseline: structuredClone      ${m.structuredClone.toFixed(0)} ms\n` +
      `  wrote ${path.relative(ROOT, RESULTS)}`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
