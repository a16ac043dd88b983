#!/usr/bin/env node
/*
 * Lists every symbol the published (non-test) sources of our packages import from @backstage/* packages, plus the
 * core services they use (`coreServices.<name>`), as JSON: { "<module>": { "<symbol>": ["<file>", ...] } }.
 *
 *   node scripts/compat/list-backstage-imports.js [--flat]
 *
 * Input of scripts/compat/check-api.js, which looks each symbol up in the .d.ts of an older release.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');
const TEST_FILE =
  /(\.test\.tsx?$|\.stories\.tsx?$|setupTests\.ts$|[\\/]__fixtures__[\\/]|[\\/]testUtils?[\\/]|[\\/]__testUtils__[\\/])/;

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
      out.push(p);
  }
  return out;
}

function collect() {
  const result = {};
  const add = (mod, sym, file) => {
    const m = (result[mod] = result[mod] || {});
    (m[sym] = m[sym] || []).includes(file) || m[sym].push(file);
  };
  const pluginsDir = path.join(repo, 'plugins');
  for (const pkg of fs.readdirSync(pluginsDir)) {
    const src = path.join(pluginsDir, pkg, 'src');
    if (!fs.existsSync(src)) continue;
    for (const file of walk(src, [])) {
      const rel = path.relative(repo, file);
      if (TEST_FILE.test(rel)) continue;
      const text = fs.readFileSync(file, 'utf8');
      const importRe =
        /import\s+(type\s+)?([^;'"]*?)\s+from\s+'(@backstage\/[^']+)'/g;
      let m;
      while ((m = importRe.exec(text))) {
        const clause = m[2];
        const mod = m[3];
        const named = /\{([\s\S]*)\}/.exec(clause);
        if (named) {
          for (const part of named[1].split(',')) {
            const name = part
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)[0]
              .trim();
            if (name) add(mod, name, rel);
          }
        }
        const star = /\*\s+as\s+(\w+)/.exec(clause);
        if (star) add(mod, '*', rel);
        const def = /^(\w+)\s*(,|$)/.exec(clause.trim());
        if (def && def[1] !== 'type') add(mod, 'default', rel);
      }
      const svcRe = /coreServices\.(\w+)/g;
      while ((m = svcRe.exec(text)))
        add('@backstage/backend-plugin-api', `coreServices.${m[1]}`, rel);
    }
  }
  return result;
}

if (require.main === module) {
  const result = collect();
  if (process.argv.includes('--flat')) {
    for (const mod of Object.keys(result).sort()) {
      for (const sym of Object.keys(result[mod]).sort()) {
        console.log(`${mod}\t${sym}\t${result[mod][sym].length} file(s)`);
      }
    }
  } else {
    console.log(JSON.stringify(result, null, 1));
  }
}

module.exports = { collect };
