/*
 * The `./alpha` plugin in a real app on the new frontend system: packages/app-next
 * (`createApp` from @backstage/frontend-defaults with the catalog's and security-posture's alpha
 * plugins), started here on port 3001 against the demo backend that the Playwright config starts.
 * The same server-side rules hold: the platform team sees the report, an owner the details of
 * their entity, anyone else counts only.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { expect, Page, test } from '@playwright/test';
import {
  collectResponses,
  expectNoPlantedSecrets,
  saveFullPageScreenshot,
  scanUntilFindings,
  signInAs,
} from './helpers';

test.describe.configure({ mode: 'serial' });

const APP_NEXT = process.env.PLAYWRIGHT_APP_NEXT_URL ?? 'http://localhost:3001';
const repoRoot = path.resolve(__dirname, '..');
let appNext: ChildProcess | undefined;

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

test.beforeAll(async () => {
  test.setTimeout(300_000);
  if (await reachable(APP_NEXT)) return;
  appNext = spawn(
    'npx',
    [
      'backstage-cli',
      'package',
      'start',
      '--config',
      path.join(repoRoot, 'app-config.yaml'),
      '--config',
      path.join(repoRoot, 'dev/config/app-config.app-next.yaml'),
    ],
    { cwd: path.join(repoRoot, 'packages/app-next'), detached: true, stdio: 'ignore' },
  );
  const deadline = Date.now() + 280_000;
  while (!(await reachable(APP_NEXT))) {
    if (appNext.exitCode !== null) throw new Error('packages/app-next exited before serving');
    if (Date.now() > deadline) throw new Error(`${APP_NEXT} did not come up`);
    await new Promise(r => setTimeout(r, 1000));
  }
});

test.afterAll(() => {
  if (appNext?.pid) {
    try {
      process.kill(-appNext.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

/** Opens `pathname` in the new app as `user` (the choice is kept in localStorage, per origin). */
async function openAs(page: Page, user: 'alice' | 'sam' | 'dana', pathname: string) {
  await page.goto(`${APP_NEXT}/`);
  await page.evaluate(() => window.localStorage.clear());
  await page.goto(`${APP_NEXT}${pathname}`);
  await page.getByTestId(`demo-signin-${user}`).click();
  await expect(page.getByTestId(`demo-signin-${user}`)).toHaveCount(0, { timeout: 30_000 });
}

test('the platform team opens the Security page of the new-frontend-system app', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  // findings exist once the legacy app's platform user has scanned (the same backend)
  await signInAs(page, 'alice');
  await scanUntilFindings(page);

  const bodies = collectResponses(page);
  await openAs(page, 'alice', '/security');
  await expect(page.getByTestId('posture-grade')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('tab', { name: 'Permissions' })).toBeVisible();
  // the nav item the PageBlueprint declares
  await expect(page.getByRole('link', { name: 'Security' }).first()).toBeVisible();
  await saveFullPageScreenshot(page, testInfo, 'alpha-security-page');
  await expectNoPlantedSecrets(page, bodies);
});

test('an owner sees the details of their entity on its Security tab, a non-owner counts only', async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await openAs(page, 'sam', '/catalog/default/component/payments-api/security');
  const details = page.getByTestId('entity-security-details');
  await expect(details).toBeVisible({ timeout: 60_000 });
  await expect(details).toContainText('AKIA…(20 chars)');
  await saveFullPageScreenshot(page, testInfo, 'alpha-entity-tab-owner');

  await openAs(page, 'dana', '/catalog/default/component/payments-api/security');
  await expect(page.getByTestId('entity-security-counts')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('entity-security-details')).toHaveCount(0);
});
