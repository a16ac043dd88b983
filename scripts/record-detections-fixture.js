#!/usr/bin/env node
/*
 * Records the detections fixture of the CLI from the real demo backend (packages/backend): starts
 * it on a free port with JSON logs (DEMO_JSON_LOGS=1) and low-severity audit events logged at
 * info (backend.auditor.severityLogLevelMappings.low, so catalog reads reach the log as they
 * would reach a SIEM), signs in as Dana through the demo provider, reads 60 catalog entities
 * and refreshes one (a catalog change by a user outside the platform team), waits for the live
 * detections, and writes:
 *   plugins/security-posture-cli/src/__fixtures__/detections/demo-auditor.jsonl  the audit lines
 *   plugins/security-posture-cli/src/__fixtures__/detections/demo-live-findings.json  what the
 *     live engine raised (GET /findings?category=detections as Alice), for the CLI test.
 * Usage: node scripts/record-detections-fixture.js
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(
  root,
  'plugins/security-posture-cli/src/__fixtures__/detections',
);

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

async function until(what, timeoutMs, probe) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      if (Date.now() > end) throw e;
    }
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

async function main() {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-detections-'));
  const overrides = path.join(dir, 'app-config.fixture.yaml');
  fs.writeFileSync(
    overrides,
    [
      'backend:',
      `  baseUrl: ${baseUrl}`,
      '  listen:',
      `    port: ${port}`,
      '  auditor:',
      '    severityLogLevelMappings:',
      '      low: info',
      '',
    ].join('\n'),
  );
  const child = spawn(
    'npx',
    [
      'backstage-cli',
      'package',
      'start',
      '--config',
      path.join(root, 'app-config.yaml'),
      '--config',
      path.join(root, 'dev/config/app-config.demo.yaml'),
      '--config',
      overrides,
    ],
    {
      cwd: path.join(root, 'packages/backend'),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development', DEMO_JSON_LOGS: '1' },
    },
  );
  let stdout = '';
  child.stdout.on('data', d => (stdout += d));
  child.stderr.on('data', d => process.stderr.write(d));
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  try {
    const api = `${baseUrl}/api`;
    const signIn = user =>
      until(`sign-in as ${user}`, 120_000, async () => {
        const res = await fetch(`${api}/auth/demo/refresh`, {
          headers: {
            'x-demo-user': user,
            'X-Requested-With': 'XMLHttpRequest',
          },
        });
        return res.ok ? (await res.json()).backstageIdentity.token : undefined;
      });
    const dana = { Authorization: `Bearer ${await signIn('dana')}` };
    const { items } = await until('the catalog', 120_000, async () => {
      const res = await fetch(
        `${api}/catalog/entities/by-query?filter=kind=component&limit=100`,
        { headers: dana },
      );
      const body = await res.json();
      return body.items?.length ? body : undefined;
    });
    const refs = items.map(e =>
      `${e.kind}/${e.metadata.namespace ?? 'default'}/${
        e.metadata.name
      }`.toLowerCase(),
    );
    for (let i = 0; i < 60; i++) {
      const res = await fetch(
        `${api}/catalog/entities/by-name/${refs[i % refs.length]}`,
        { headers: dana },
      );
      if (!res.ok) throw new Error(`read ${i} failed: ${res.status}`);
    }
    const refreshed = await fetch(`${api}/catalog/refresh`, {
      method: 'POST',
      headers: { ...dana, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        entityRef: `component:default/${items[0].metadata.name}`,
      }),
    });
    console.error(`refresh as dana: ${refreshed.status}`);

    const alice = { Authorization: `Bearer ${await signIn('alice')}` };
    const findings = await until('the live detections', 60_000, async () => {
      const res = await fetch(
        `${api}/security-posture/findings?category=detections&limit=100`,
        { headers: alice },
      );
      const body = await res.json();
      return body.items?.length >= 2 ? body.items : undefined;
    });
    await new Promise(r => setTimeout(r, 2000));
    const lines = stdout.split('\n').filter(line => {
      try {
        return JSON.parse(line).isAuditEvent === true;
      } catch {
        return false;
      }
    });
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(
      path.join(out, 'demo-auditor.jsonl'),
      `${lines.join('\n')}\n`,
    );
    const live = findings.map(f => ({
      checkId: f.checkId,
      severity: f.severity,
      evidence: f.evidence,
    }));
    fs.writeFileSync(
      path.join(out, 'demo-live-findings.json'),
      `${JSON.stringify(live, null, 2)}\n`,
    );
    console.error(
      `${lines.length} audit lines, ${findings.length} live detection findings written to ${out}`,
    );
  } finally {
    stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
