import { Browser, expect, Page, test } from '@playwright/test';
import {
  collectProblems,
  collectResponses,
  download,
  expectNoPlantedSecrets,
  expectNoProblems,
  parseCsv,
  PLANTED_SECRETS,
  scanUntilFindings,
  signInAs,
} from './helpers';

test.describe.configure({ mode: 'serial' });

const REASON = 'e2e: risk accepted until the vendor fix ships (SEC-4242)';

async function score(page: Page): Promise<number> {
  await page.goto('/security');
  return Number(
    (await page.getByTestId('posture-score').innerText()).split('/')[0].trim(),
  );
}

/** Opens the first finding of a findings-view query and exempts it from the drawer. */
async function exemptFirstFinding(page: Page, query: string) {
  await page.goto(`/security/findings?${query}`);
  const row = page.locator('[data-testid^="finding-row-"]').first();
  await expect(row).toBeVisible();
  const fingerprint = (await row.getAttribute('data-testid'))!.replace(
    'finding-row-',
    '',
  );
  await row.click();
  const drawer = page.getByTestId('finding-drawer');
  await drawer.getByTestId(`exempt-${fingerprint}`).click();
  const dialog = page.getByTestId('exemption-dialog');
  await dialog.getByTestId('exemption-reason').fill(REASON);
  await dialog.getByTestId('exemption-ticket').fill('https://tickets.example.com/SEC-4242');
  // The default expiry (90 days ahead) is within the 365-day maximum.
  await dialog.getByTestId('exemption-submit').click();
  await expect(dialog).toBeHidden();
  await expect(drawer.getByTestId('finding-status')).toHaveText('Exempted');
  await expect(drawer.getByTestId('exemption-info-active')).toContainText(REASON);
  return fingerprint;
}

/** Revokes every active exemption from the Exemptions tab (also the cleanup after a failure). */
async function revokeAll(page: Page) {
  await page.goto('/security/exemptions');
  await expect(page.getByText('Exempted findings stay visible')).toBeVisible();
  const revokeButtons = page.locator(
    '[data-testid^="revoke-"]:not([data-testid^="revoke-confirm"]):not([data-testid="revoke-error"])',
  );
  await expect(async () => {
    await expect(
      page.locator('[data-testid^="exemption-row-"], [data-testid="exemptions-empty"]').first(),
    ).toBeVisible();
  }).toPass();
  while ((await revokeButtons.count()) > 0) {
    await revokeButtons.first().click();
    await page.getByTestId('revoke-confirm-button').click();
    await expect(page.getByTestId('revoke-confirm')).toBeHidden();
  }
  await expect(page.getByTestId('exemptions-empty')).toBeVisible();
}

async function cleanUp(browser: Browser) {
  const page = await browser.newPage();
  try {
    await signInAs(page, 'alice');
    await revokeAll(page);
  } finally {
    await page.close();
  }
}

// The other suites count open findings against CSV rows: leave no exemption behind.
test.afterAll(async ({ browser }) => cleanUp(browser));

test('the platform team exempts findings with a reason: the score changes, owners see them exempted, the CSV says so, nobody else may', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(300_000);
  const bodies = collectResponses(page);
  const problems = collectProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAs(page, 'alice');
  await scanUntilFindings(page);
  await revokeAll(page);

  const before = await score(page);
  // A high permissions finding: the category's penalty is small enough that one fix shows.
  const permissionsFinding = await exemptFirstFinding(
    page,
    'category=permissions&severity=high',
  );
  const after = await score(page);
  expect(after).toBeGreaterThan(before);
  await expect(page.getByTestId('posture-exempted')).toHaveText(
    `1 (score without: ${Number.isInteger(before) ? before : before.toFixed(1)})`,
  );

  // One of Sam's entity's findings too.
  const samsFinding = await exemptFirstFinding(page, 'q=payments-api&category=catalog');

  // Listed under their own filter, and in the CSV with the exemption.
  await page.goto('/security/findings?status=exempted');
  await expect(page.getByTestId(`finding-row-${permissionsFinding}`)).toBeVisible();
  await expect(page.getByTestId(`finding-row-${samsFinding}`)).toBeVisible();
  const csv = await download(page, testInfo, 'findings-export-csv');
  const rows = parseCsv(csv.text);
  expect(rows.map(r => r.fingerprint).sort()).toEqual([permissionsFinding, samsFinding].sort());
  for (const row of rows) {
    expect(row).toMatchObject({
      status: 'exempted',
      exemptionState: 'active',
      exemptionKind: 'accepted-risk',
      exemptionReason: REASON,
      exemptionCreatedBy: 'user:default/alice',
      exemptionTicket: 'https://tickets.example.com/SEC-4242',
    });
  }
  for (const secret of PLANTED_SECRETS) expect(csv.text).not.toContain(secret);

  // The Exemptions tab lists both, soonest expiry first.
  await page.goto('/security/exemptions');
  await expect(page.locator('[data-testid^="exemption-row-"]')).toHaveCount(2);
  await expect(page.getByTestId('exemptions-filter-active')).toBeVisible();

  // Sam, who owns payments-api, sees his finding exempted on the entity tab.
  const sam = await browser.newPage();
  try {
    await signInAs(sam, 'sam');
    await sam.goto('/catalog/default/component/payments-api/security');
    const details = sam.getByTestId('entity-security-details');
    await expect(details).toBeVisible();
    await expect(details.getByTestId('entity-security-exempted')).toHaveText(
      '1 exempted finding (not counted).',
    );
    await expect(details.getByTestId(`entity-finding-${samsFinding}`)).toContainText('Exempted');
    // The open demo policy leaves exemptions to the platform team (owners may in the hardened one).
    await expect(sam.locator('[data-testid^="exempt-"]')).toHaveCount(0);
  } finally {
    await sam.close();
  }

  // Dana owns nothing: counts only, nothing to exempt.
  const dana = await browser.newPage();
  try {
    await signInAs(dana, 'dana');
    await dana.goto('/catalog/default/component/payments-api/security');
    await expect(dana.getByTestId('entity-security-counts')).toBeVisible();
    await expect(dana.locator('[data-testid^="exempt-"]')).toHaveCount(0);
    await expect(dana.getByTestId('entity-security-counts')).not.toContainText(REASON);
  } finally {
    await dana.close();
  }

  // Revoked: everything counts again.
  await revokeAll(page);
  expect(await score(page)).toBe(before);
  await expect(page.getByTestId('posture-exempted')).toHaveCount(0);

  await expectNoPlantedSecrets(page, bodies);
  expectNoProblems(problems);
});
