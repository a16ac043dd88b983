'use strict';

/**
 * Seeded synthetic Backstage catalog for the benchmarks.
 *
 *   const { generate, writeCatalogFiles } = require('./bench/generate');
 *   const data = generate({ size: '10k', templates: 200, seed: 1 });
 *   // data.all: every entity (org, systems, components/APIs/resources, templates)
 *   // data.planted: [{ entityRef, path, kind }] planted FAKE credentials (values are not listed)
 *
 * CLI: node bench/generate --size 10k --templates 200 [--seed N] --out DIR
 * writes DIR/catalog-NNN.yaml (at most 1,000 entities each) and DIR/manifest.json.
 */

const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const { generateCatalog, parseSize, DEFAULT_SEED } = require('./catalog');
const { generateTemplates } = require('./templates');

const ENTITIES_PER_FILE = 1000;

function generate(options = {}) {
  const seed = options.seed ?? DEFAULT_SEED;
  const catalog = generateCatalog({
    size: options.size ?? '1k',
    seed,
    secretRate: options.secretRate,
  });
  const templates = generateTemplates({
    count: options.templates ?? 200,
    seed,
    teams: catalog.teams,
  });
  const all = [
    ...catalog.groups,
    ...catalog.users,
    ...catalog.systems,
    ...catalog.entities,
    ...templates,
  ];
  return {
    seed,
    all,
    templates,
    planted: catalog.planted,
    examples: catalog.examples,
    counts: {
      ...catalog.counts,
      templates: templates.length,
      total: all.length,
    },
  };
}

/**
 * Writes the generated entities as multi-document YAML files for `file` catalog locations.
 * Returns the file paths plus what was generated.
 */
function writeCatalogFiles(dir, options = {}) {
  const data = generate(options);
  fs.mkdirSync(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < data.all.length; i += ENTITIES_PER_FILE) {
    const file = path.join(
      dir,
      `catalog-${String(files.length).padStart(3, '0')}.yaml`,
    );
    const docs = data.all
      .slice(i, i + ENTITIES_PER_FILE)
      .map(e => YAML.stringify(e, { lineWidth: 0 }));
    fs.writeFileSync(file, docs.join('---\n'));
    files.push(file);
  }
  const manifest = {
    seed: data.seed,
    size: options.size,
    counts: data.counts,
    planted: data.planted,
    examples: data.examples,
    files,
  };
  fs.writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify(manifest, null, 2),
  );
  return { ...data, files, manifest };
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    args[m[1]] = m[2] ?? argv[++i];
  }
  return args;
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  if (!args.out) {
    console.error(
      'usage: node bench/generate --size 10k --templates 200 [--seed N] --out DIR',
    );
    process.exit(2);
  }
  const started = Date.now();
  const result = writeCatalogFiles(path.resolve(args.out), {
    size: args.size ?? '1k',
    templates: args.templates ? parseSize(args.templates) : 200,
    seed: args.seed ? Number(args.seed) : undefined,
  });
  console.log(
    JSON.stringify({
      ...result.counts,
      files: result.files.length,
      ms: Date.now() - started,
    }),
  );
}

module.exports = { generate, writeCatalogFiles, parseSize, DEFAULT_SEED };
