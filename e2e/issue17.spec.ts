/*
 * Issue 17: template findings by kind and owner, team scorecards, what changed per scan, and
 * the overview at the two common laptop sizes without horizontal overflow (screenshots in
 * e2e-artifacts/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, Page, test } from '@playwright/test';
import {
  ARTIFACTS_DIR,
  collectProblems,
  collectResponses,
  download,
  expectNoPlantedSecrets,
  expectNoProblems,
  parseCsv,
  saveFullPageScreenshot,
  scanUntilFindings,
  signInAs,
} from './helpers';

test.describe.configure({ mode: 'serial' });

const SAMS_TEAM = 'group:default/payments-checkout';

/**
 * What overflows horizontally: the page itself, and every scrolling element whose content is
 * wider than it. Aside by design: code snippets, and Backstage's tab bar, which scrolls with
 * arrow buttons when its tabs are wider than the page (eleven tabs are, at both sizes).
 */
async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) {
      problems.push(`page: ${root.scrollWidth}px > ${root.clientWidth}px`);
    }
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const overflowX = getComputedStyle(el).overflowX;
      if (overflowX !== 'auto' && overflowX !== 'scroll') continue;
      if (el.closest('pre')) continue;
      if (el.classList.toString().includes('MuiTabs-scroller')) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        const name = el.getAttribute('data-testid') ?? el.className.toString().slice(0, 80);
        problems.push(`${el.tagName.toLowerCase()} ${name}: ${el.scrollWidth}px > ${el.clientWidth}px`);
      }
    }
    // Content sticking out of its card (text that neither wraps nor is clipped).
    const cards = Array.from(document.querySelectorAll<HTMLElement>('[class*="MuiCard-root"]'));
    if (!cards.length) problems.push('no cards found: the check would see nothing');
    for (const card of cards) {
      const edge = card.getBoundingClientRect().right;
      for (const el of Array.from(card.querySelectorAll<HTMLElement>('*'))) {
        if (el.closest('pre') || el.closest('svg')) continue;
        const right = el.getBoundingClientRect().right;
        if (right > edge + 1) {
          problems.push(
            `sticks out of its card by ${Math.round(right - edge)}px: ${el.tagName.toLowerCase()} "${(
              el.textContent ?? ''
            ).slice(0, 60)}"`,
          );
          break;
        }
      }
    }
    return problems;
  });
}

async function viewportScreenshot(page: Page, name: string) {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`) });
}

test('overview at 1440×900 and 1280×720: what changed, no horizontal overflow', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  const problems = collectProblems(page);
  const bodies = collectResponses(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAs(page, 'alice');
  // Two scans, so the last one has a scan before it to compare with.
  await scanUntilFindings(page);
  await scanUntilFindings(page);

  for (const { width, height } of [
    { width: 1440, height: 900 },
    { width: 1280, height: 720 },
  ]) {
    await page.setViewportSize({ width, height });
    await page.goto('/security');
    await expect(page.getByTestId('posture-grade')).toHaveText(/^[A-F]$/);
    const changes = page.getByTestId('scan-changes-card');
    await expect(changes.getByTestId('scan-changes-count-new')).toBeVisible();
    await expect(page.getByTestId('score-trend').locator('svg').first()).toBeVisible();
    await expect(page.getByTestId(/^grade-drag-/).first()).toBeVisible();
    // Tabs beyond the width stay reachable: the tab bar scrolls with arrow buttons.
    const tabs = page.getByRole('tablist').first();
    const overflowing = await tabs.evaluate(el => el.scrollWidth > el.clientWidth + 1);
    if (overflowing) {
      await page.getByRole('tab', { name: 'Scans' }).scrollIntoViewIfNeeded();
      await expect(page.getByRole('tab', { name: 'Scans' })).toBeInViewport();
      await page.getByRole('tab', { name: 'Overview' }).scrollIntoViewIfNeeded();
    }
    // Let charts settle at this width.
    await page.waitForTimeout(500);
    expect(await horizontalOverflow(page), `overflow at ${width}×${height}`).toEqual([]);
    await viewportScreenshot(page, `overview-${width}x${height}`);
    await saveFullPageScreenshot(page, testInfo, `overview-${width}x${height}-full`);
    expect(await horizontalOverflow(page), `overflow at ${width}×${height}`).toEqual([]);
  }

  // The Scans view: recent scans with what each changed, the selected one's changes.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('tab', { name: 'Scans' }).click();
  await expect(page.getByTestId(/^scan-row-changes-/).first()).toBeVisible();
  expect(await page.getByTestId(/^scan-row-changes-/).count()).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('scan-changes-panel')).toBeVisible();
  await page.getByTestId('scan-change-filter-resolved').click();
  await expect(page).toHaveURL(/change=resolved/);
  await page.goBack();
  await expect(page).not.toHaveURL(/change=resolved/);
  expect(await horizontalOverflow(page)).toEqual([]);
  await saveFullPageScreenshot(page, testInfo, 'security-page-scans');

  await expectNoPlantedSecrets(page, bodies);
  expectNoProblems(problems);
});

test('template findings: filtered by kind and owner, with owners, kind and a copyable fix', async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  const problems = collectProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAs(page, 'alice');

  await page.goto(
    `/security/findings?kind=Template&owner=${encodeURIComponent(SAMS_TEAM)}`,
  );
  const table = page.getByTestId('findings-table');
  const rows = table.getByTestId(/^finding-row-/);
  await expect(rows.first()).toBeVisible();
  const texts = await rows.allInnerTexts();
  for (const text of texts) {
    // The entity and owner links show the catalog's titles once loaded.
    expect(text).toMatch(/trigger.deployment/i);
    expect(text).toMatch(/payments.checkout/i);
  }
  await saveFullPageScreenshot(page, testInfo, 'findings-templates-of-a-team');

  // The CSV of that view carries the template's kind and owners.
  const csv = await download(page, testInfo, 'findings-export-csv');
  const csvRows = parseCsv(csv.text);
  expect(csvRows.length).toBe(texts.length);
  for (const row of csvRows) {
    expect(row.entityKind).toBe('Template');
    expect(row.owners).toBe(SAMS_TEAM);
  }

  // A config finding's drawer offers the exact keys to set, with a copy button.
  await page.goto('/security/findings?check=auth%2Fguest-outside-development');
  await table.getByTestId(/^finding-open-/).first().click();
  const snippet = page.getByRole('dialog').getByTestId('remediation-snippet').first();
  await expect(snippet).toContainText('dangerouslyAllowOutsideDevelopment: false');
  await expect(snippet.getByRole('button', { name: /copy/i })).toBeVisible();
  await saveFullPageScreenshot(page, testInfo, 'finding-drawer-snippet');

  expectNoProblems(problems);
});

test("team scorecards: every team for the platform team, Sam's own for Sam", async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  const problems = collectProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAs(page, 'alice');
  await page.goto('/security/teams');
  const all = page.getByTestId('team-scorecards-view');
  await expect(all.getByTestId(`team-scorecard-${SAMS_TEAM}`)).toBeVisible();
  expect(await all.getByTestId(/^team-scorecard-group:/).count()).toBeGreaterThan(2);
  expect(await horizontalOverflow(page)).toEqual([]);
  await saveFullPageScreenshot(page, testInfo, 'security-page-teams');
  const allCsv = parseCsv(
    (await download(page, testInfo, 'team-scorecards-export-csv')).text,
  );
  expect(allCsv.map(r => r.owner)).toContain(SAMS_TEAM);
  expect(allCsv.length).toBe(await all.getByTestId(/^team-scorecard-(group|user):/).count());

  await signInAs(page, 'sam');
  await page.goto('/security');
  const mine = page.getByTestId('my-teams');
  await expect(mine).toBeVisible();
  await expect(mine.getByTestId(`team-scorecard-${SAMS_TEAM}`)).toBeVisible();
  // Only his own ownership refs (his team and its parents), never another team's.
  const sams = [
    'user:default/sam',
    SAMS_TEAM,
    'group:default/payments',
    'group:default/engineering',
    'group:default/acme',
  ];
  const owners = await mine
    .getByTestId(/^team-scorecard-(group|user):/)
    .evaluateAll(els => els.map(el => el.getAttribute('data-testid')));
  for (const owner of owners) {
    expect(sams.map(ref => `team-scorecard-${ref}`)).toContain(owner);
  }
  const samsCsv = parseCsv((await download(page, testInfo, 'team-scorecards-export-csv')).text);
  expect(samsCsv.map(r => `team-scorecard-${r.owner}`).sort()).toEqual([...owners].sort());
  await saveFullPageScreenshot(page, testInfo, 'restricted-page-my-teams');

  // A template of his team: its Security tab shows Sam the details.
  await page.goto('/catalog/default/template/trigger-deployment/security');
  await expect(page.getByTestId('entity-security-details')).toBeVisible();

  // Dana owns nothing: no team card.
  await signInAs(page, 'dana');
  await page.goto('/security');
  await expect(page.getByTestId('restricted-note')).toBeVisible();
  await expect(page.getByTestId('my-teams')).toHaveCount(0);
  await page.goto('/catalog/default/template/trigger-deployment/security');
  await expect(page.getByTestId('entity-security-counts')).toBeVisible();

  expectNoProblems(problems);
});
