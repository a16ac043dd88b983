import { APIRequestContext, expect, Page, request, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { scanUntilFindings, signInAs } from './helpers';

test.describe.configure({ mode: 'serial' });

// The demo's static external-access token (dev/config/app-config.demo.yaml): unrestricted, so the
// test can refresh a catalog location and delete its entity like an automation would.
const STATIC_TOKEN = 'demo-static-token-do-not-use-0123456789';
const BACKEND = 'http://localhost:7007';
const DROP_IN_DIR = path.resolve(__dirname, '..', 'dev', 'catalog', 'e2e');
const ENTITY = 'e2e-notify-sam';
const ENTITY_FILE = path.join(DROP_IN_DIR, `${ENTITY}.yaml`);

// A fresh fake AWS key pair per run: the critical finding, never to be shown in a notification.
const base32 = () =>
  Array.from(randomBytes(16), b => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');
const ACCESS_KEY_ID = `AKIA${base32()}`;
const SECRET_ACCESS_KEY = randomBytes(30).toString('base64').slice(0, 40);

const TITLE = `New critical security finding on ${ENTITY}: Leaked AWS secret access key`;

async function api(): Promise<APIRequestContext> {
  return request.newContext({
    baseURL: BACKEND,
    extraHTTPHeaders: { Authorization: `Bearer ${STATIC_TOKEN}` },
  });
}

/** Reprocesses the demo's drop-in location (dev/catalog/e2e/*.yaml) now instead of in minutes. */
async function refreshDropIns(client: APIRequestContext) {
  const response = await client.get('/api/catalog/entities/by-query', {
    params: { filter: 'kind=location', limit: '500' },
  });
  expect(response.ok()).toBeTruthy();
  const { items } = (await response.json()) as {
    items: Array<{ metadata: { name: string; namespace?: string }; spec?: { target?: string } }>;
  };
  const location = items.find(l => l.spec?.target?.replace(/\\/g, '/').endsWith('dev/catalog/e2e/*.yaml'));
  expect(location, 'the demo config registers dev/catalog/e2e/*.yaml').toBeTruthy();
  const refreshed = await client.post('/api/catalog/refresh', {
    data: { entityRef: `location:${location!.metadata.namespace ?? 'default'}/${location!.metadata.name}` },
  });
  expect(refreshed.status()).toBe(200);
}

async function entityUid(client: APIRequestContext): Promise<string | undefined> {
  const response = await client.get(`/api/catalog/entities/by-name/component/default/${ENTITY}`);
  return response.ok() ? (await response.json()).metadata.uid : undefined;
}

async function scanNow(page: Page) {
  await page.goto('/security');
  await page.getByTestId('scan-now-button').click();
  await expect(page.getByTestId('scan-now-button')).toHaveText('Scan now', { timeout: 60_000 });
}

/** The notifications page once its list has loaded (the table shows 0 of 0 while it loads). */
async function openNotifications(page: Page) {
  const listed = page.waitForResponse(
    r => r.url().includes('/api/notifications/notifications?') && r.status() < 400,
  );
  await page.goto('/notifications');
  await listed;
  await page.waitForTimeout(500);
  return page.locator('main').innerText();
}

test.afterAll(async ({ browser }) => {
  // Leave the catalog and the findings as the other suites expect them.
  fs.rmSync(ENTITY_FILE, { force: true });
  const client = await api();
  try {
    await refreshDropIns(client);
    const uid = await entityUid(client);
    if (uid) await client.delete(`/api/catalog/entities/by-uid/${uid}`);
    const page = await browser.newPage();
    await signInAs(page, 'alice');
    await scanNow(page);
    await page.close();
  } finally {
    await client.dispose();
  }
});

test('a new critical finding on an entity Sam owns notifies Sam, once, without the secret', async ({
  browser,
}) => {
  test.setTimeout(360_000);
  const alice = await browser.newPage();
  await signInAs(alice, 'alice');
  // The baseline scan has run: what follows is a new finding, not the first inventory.
  await scanUntilFindings(alice);

  fs.writeFileSync(
    ENTITY_FILE,
    [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      `  name: ${ENTITY}`,
      '  description: Added by the notifications e2e test.',
      '  annotations:',
      `    acme.io/aws-access-key-id: ${ACCESS_KEY_ID}`,
      `    acme.io/aws-secret-access-key: ${SECRET_ACCESS_KEY}`,
      'spec:',
      '  type: service',
      '  lifecycle: experimental',
      '  owner: user:default/sam',
      '',
    ].join('\n'),
  );
  const client = await api();
  try {
    await expect(async () => {
      await refreshDropIns(client);
      expect(await entityUid(client)).toBeTruthy();
    }).toPass({ timeout: 90_000, intervals: [2_000] });
  } finally {
    await client.dispose();
  }

  // Alice runs a scan: the leaked secret key is a new critical finding on Sam's component, and
  // the overview's "what changed since the previous scan" lists it as new (a retry scans only
  // when the previous scan did not see the entity, so the scan that first sees it is the last).
  await expect(async () => {
    await scanNow(alice);
    await alice.goto('/security');
    const changes = alice.getByTestId('scan-changes-card');
    await expect(changes).toContainText(ENTITY, { timeout: 20_000 });
    await expect(changes).toContainText('Leaked AWS secret access key');
  }).toPass({ timeout: 180_000 });
  await alice.goto(`/security/findings?q=${ENTITY}`);
  await expect(alice.getByTestId('findings-table')).toContainText('AWS secret access key');

  const sam = await browser.newPage();
  await signInAs(sam, 'sam');
  await expect(async () => {
    await openNotifications(sam);
    await expect(sam.getByText(TITLE).first()).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  // The page as Sam sees it, with the notification listed.
  const text = await sam.locator('main').innerText();
  expect(text).toContain(TITLE);
  expect(text).not.toContain(SECRET_ACCESS_KEY);
  expect(text).not.toContain(ACCESS_KEY_ID);

  // The notification leads to the finding on the entity's Security tab.
  await sam.getByText(TITLE).first().click();
  await expect(sam).toHaveURL(new RegExp(`/catalog/default/component/${ENTITY}/security`));
  await expect(sam.getByText('AWS secret access key').first()).toBeVisible();

  // Another scan: the finding is no longer new, and Sam is not told twice.
  await scanNow(alice);
  await openNotifications(sam);
  await expect(sam.getByText(TITLE).first()).toBeVisible();
  await expect(sam.getByText(TITLE)).toHaveCount(1);

  // Alice (platform team, not an owner) is not notified of Sam's finding.
  expect(await openNotifications(alice)).not.toContain(ENTITY);
});

const DETECTION_TITLE =
  'Security detection: Catalog read burst (possible reconnaissance): user:default/dana';

/** A user's Backstage token, through the dev-only demo provider as the sign-in page gets it. */
async function clientAs(user: 'dana') {
  const anonymous = await request.newContext({ baseURL: BACKEND });
  const refreshed = await anonymous.get('/api/auth/demo/refresh', {
    headers: { 'x-demo-user': user, 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(refreshed.ok()).toBeTruthy();
  const token = (await refreshed.json()).backstageIdentity.token as string;
  await anonymous.dispose();
  return request.newContext({
    baseURL: BACKEND,
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
  });
}

test('60 entity reads as Dana raise a detection that notifies Alice (platform team), not Dana', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const dana = await browser.newPage();
  // the portal is up and knows Dana once she can sign in
  await signInAs(dana, 'dana');
  const client = await clientAs('dana');
  try {
    let items: Array<{ kind: string; metadata: { name: string; namespace?: string } }> = [];
    await expect(async () => {
      const listed = await client.get('/api/catalog/entities/by-query', {
        params: { filter: 'kind=component', limit: '100', fields: 'kind,metadata.name,metadata.namespace' },
      });
      expect(listed.ok()).toBeTruthy();
      items = (await listed.json()).items;
      expect(items.length).toBeGreaterThan(0);
    }).toPass({ timeout: 120_000 });
    for (let i = 0; i < 60; i++) {
      const e = items[i % items.length];
      const read = await client.get(
        `/api/catalog/entities/by-name/${e.kind}/${e.metadata.namespace ?? 'default'}/${e.metadata.name}`,
      );
      expect(read.ok()).toBeTruthy();
    }
  } finally {
    await client.dispose();
  }

  const alice = await browser.newPage();
  await signInAs(alice, 'alice');
  await expect(async () => {
    await openNotifications(alice);
    await expect(alice.getByText(DETECTION_TITLE).first()).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  await expect(alice.getByText(DETECTION_TITLE)).toHaveCount(1);
  // It leads to the finding on the Security page.
  await alice.getByText(DETECTION_TITLE).first().click();
  await expect(alice).toHaveURL(/\/security\/findings\?finding=/);
  await expect(alice.getByTestId('finding-drawer')).toContainText('user:default/dana');

  // Dana is not on the platform team: nothing for her.
  expect(await openNotifications(dana)).not.toContain('Catalog read burst');
});
