import { parse } from 'csv-parse/sync';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { JsonValue } from '@backstage/types';
import { runtimeChecks } from '@security-posture/checks';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { publishedDataCsv } from './publishedCsv';

async function text(stream: Readable) {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

// The runtime checks' published tables go through the generic CSV export of published data.
describe('publishedDataCsv for the runtime checks', () => {
  it('exports the credential inventory and the blast radius as rows, never a value', async () => {
    const token = `sk${randomBytes(24).toString('hex')}`;
    const saToken = `ey${randomBytes(30).toString('base64url')}`;
    const config = {
      backend: { auth: { externalAccess: [{ type: 'static', options: { token, subject: 'ci' } }] } },
      kubernetes: { clusterLocatorMethods: [{ type: 'config', clusters: [{ name: 'prod', url: 'https://k8s', serviceAccountToken: saToken }] }] },
      securityPosture: { checks: { runtime: { 'credential-inventory': { options: { configFiles: ['does-not-exist.yaml'] } } } } },
    };
    const published: Record<string, JsonValue> = {};
    for (const id of ['runtime/credential-inventory', 'runtime/blast-radius']) {
      const check = runtimeChecks.find(c => c.meta.id === id)!;
      await runSecurityCheck(check, {
        config,
        installedPlugins: [{ pluginId: 'catalog' }],
        onPublish: (key, data) => {
          published[`${id}#${key}`] = data;
        },
      });
    }

    const inventory = await text(
      publishedDataCsv('runtime/credential-inventory', 'credentials', published['runtime/credential-inventory#credentials'])!,
    );
    const rows = parse(inventory, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map(r => [r.path, r.kind, r.reach, r.source])).toEqual(
      expect.arrayContaining([
        ['kubernetes.clusterLocatorMethods[0].clusters[0].serviceAccountToken', 'Kubernetes service account token', 'cluster access', 'unknown'],
        ['backend.auth.externalAccess[0].options.token', 'static external access token', 'API access', 'unknown'],
      ]),
    );

    const radius = await text(publishedDataCsv('runtime/blast-radius', 'blast-radius', published['runtime/blast-radius#blast-radius'])!);
    const radiusRows = parse(radius, { columns: true }) as Array<Record<string, string>>;
    expect(radiusRows).toHaveLength(2);
    expect(radiusRows[0]).toEqual(expect.objectContaining({ readableBy: '1', reachWeight: expect.stringMatching(/^\d+$/) }));

    for (const csv of [inventory, radius]) {
      expect(csv).not.toContain(token);
      expect(csv).not.toContain(saToken);
    }
  });
});
