import { expect, request, test } from '@playwright/test';
import { signInAs } from './helpers';

// Runs last (file order): the finding it raises adds the detections category to the
// deployment-wide score the other specs read.

const BACKEND = 'http://localhost:7007';
const TITLE = 'Catalog read burst (possible reconnaissance): user:default/dana';

/** Dana's Backstage token, through the dev-only demo provider as the sign-in page gets it. */
async function danaClient() {
  const anonymous = await request.newContext({ baseURL: BACKEND });
  let token = '';
  // the backend may still be starting (the web server waits for the app's port only)
  await expect(async () => {
    const refreshed = await anonymous.get('/api/auth/demo/refresh', {
      headers: { 'x-demo-user': 'dana', 'X-Requested-With': 'XMLHttpRequest' },
    });
    expect(refreshed.ok()).toBeTruthy();
    token = (await refreshed.json()).backstageIdentity.token;
  }).toPass({ timeout: 180_000 });
  return request.newContext({
    baseURL: BACKEND,
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
  });
}

test('60 catalog entity reads as Dana raise a reconnaissance finding that Alice sees on the Security page, Dana does not', async ({
  page,
}) => {
  const dana = await danaClient();
  let items: Array<{
    kind: string;
    metadata: { name: string; namespace?: string };
  }> = [];
  await expect(async () => {
    const listed = await dana.get('/api/catalog/entities/by-query', {
      params: {
        filter: 'kind=component',
        limit: '100',
        fields: 'kind,metadata.name,metadata.namespace',
      },
    });
    expect(listed.ok()).toBeTruthy();
    items = (await listed.json()).items;
    expect(items.length).toBeGreaterThan(0);
  }).toPass({ timeout: 120_000 });
  for (let i = 0; i < 60; i++) {
    const e = items[i % items.length];
    const read = await dana.get(
      `/api/catalog/entities/by-name/${e.kind}/${
        e.metadata.namespace ?? 'default'
      }/${e.metadata.name}`,
    );
    expect(read.ok()).toBeTruthy();
  }

  await signInAs(page, 'alice');
  await page.goto('/security/detections');
  const table = page.getByTestId('findings-table');
  // the engine evaluates queued events every second (demo config)
  await expect(async () => {
    await page.reload();
    await expect(table).toContainText(TITLE, { timeout: 3_000 });
  }).toPass({ timeout: 60_000 });
  await table.getByText(TITLE).first().click();
  const drawer = page.getByTestId('finding-drawer');
  await expect(drawer).toContainText('detections/catalog-read-reconnaissance');
  await expect(drawer).toContainText('user:default/dana');
  await expect(drawer).toContainText('catalog.entity-fetch');

  // deployment-wide: not part of what Dana may see
  await signInAs(page, 'dana');
  await page.goto('/security/findings');
  await expect(page.getByTestId('findings-table')).toBeVisible();
  await expect(page.getByText(TITLE)).toHaveCount(0);
});
