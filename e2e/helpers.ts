import { expect, Page } from '@playwright/test';

/** Fake credentials planted in dev/catalog (see dev/catalog/PLANTED-SECRETS.md). */
export const PLANTED_SECRETS = [
  'AKIARR4SFYO37FA03SD2',
  'nfo2a0OmoJYUZG8vzN88ekkkjDZ+BiwTrLGBti/L',
  'V4cOFjUYzTu98BWC',
  'ghp_CNI7i6c7VuYrSPZiQorrQnud2n9GD4C4KOA3',
  '1omwBuzrCBQOUCeQNkxBNM48',
];

export async function signInAs(page: Page, user: 'alice' | 'sam' | 'dana') {
  // Right after start the catalog may not have ingested the demo users yet: retry until it has.
  await expect(async () => {
    await page.goto('/');
    await page.evaluate(() => window.localStorage.clear());
    await page.goto('/');
    await page.getByTestId(`demo-signin-${user}`).click();
    await expect(page.getByText('Security', { exact: true }).first()).toBeVisible({
      timeout: 10_000,
    });
  }).toPass({ timeout: 90_000 });
}

/** Runs a scan as the current (platform-team) user until the catalog has been ingested. */
export async function scanUntilFindings(page: Page) {
  await page.goto('/security');
  await expect(async () => {
    await page.getByTestId('scan-now-button').click();
    await expect(page.getByTestId('scan-now-button')).toHaveText('Scan now', { timeout: 30_000 });
    await page.reload();
    await expect(page.getByTestId('findings-table')).toContainText('Payments API', {
      timeout: 5_000,
    });
  }).toPass({ timeout: 120_000 });
}

/**
 * The planted secrets must never appear in what security-posture sends or shows: its API
 * responses and the page's visible text. (Catalog components may still put an entity's own
 * description into a tooltip attribute: that exposure by the catalog is what the finding is about.)
 */
export function collectResponses(page: Page) {
  const bodies: string[] = [];
  page.on('response', async response => {
    if (!response.url().includes('/api/security-posture')) return;
    try {
      bodies.push(await response.text());
    } catch {
      // redirects and aborted requests have no body
    }
  });
  return bodies;
}

export async function expectNoPlantedSecrets(page: Page, bodies: string[]) {
  const text = await page.locator('body').innerText();
  expect(bodies.length).toBeGreaterThan(0);
  for (const secret of PLANTED_SECRETS) {
    expect(text).not.toContain(secret);
    for (const body of bodies) expect(body).not.toContain(secret);
  }
}
