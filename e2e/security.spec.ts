import { expect, test } from '@playwright/test';
import {
  collectProblems,
  collectResponses,
  download,
  expectDatedCsvName,
  expectNoPlantedSecrets,
  expectNoProblems,
  parseCsv,
  PLANTED_SECRETS,
  saveFullPageScreenshot,
  scanUntilFindings,
  signInAs,
} from './helpers';

test.describe.configure({ mode: 'serial' });

function expectNoSecretsIn(text: string) {
  for (const secret of PLANTED_SECRETS) expect(text).not.toContain(secret);
}

test('platform team browses every view of the Security page', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  const bodies = collectResponses(page);
  const problems = collectProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAs(page, 'alice');
  await scanUntilFindings(page);

  // Overview: grade, categories with their worst findings, charts, what to fix first.
  await page.goto('/security');
  await expect(page.getByTestId('posture-grade')).toHaveText(/^[A-F]$/);
  await expect(page.getByTestId('posture-last-scan')).toContainText(
    /Succeeded|Partial/,
  );
  for (const category of [
    'auth',
    'permissions',
    'plugins',
    'templates',
    'catalog',
    'runtime',
  ]) {
    await expect(page.getByTestId(`category-card-${category}`)).toBeVisible();
  }
  await expect(
    page
      .getByTestId('category-card-catalog')
      .getByTestId(/^worst-finding-/)
      .first(),
  ).toBeVisible();
  await expect(
    page.getByTestId('severity-distribution').locator('svg').first(),
  ).toBeVisible();
  await expect(
    page.getByTestId('score-trend').locator('svg').first(),
  ).toBeVisible();
  // Risk first: the demo's open criticals (leaked secrets readable by guests) lead the list,
  // although a fix in the saturated catalog gains less than one in another category.
  const drag = page.getByTestId(/^grade-drag-/).first();
  await expect(drag).toContainText(/overall/);
  await expect(drag.getByTestId('severity-chip-critical')).toBeVisible();
  await expect(
    drag.getByTestId(/^exposure-(anyone|guests|signed-in)$/),
  ).toBeVisible();
  await expect(
    page
      .getByTestId('grade-drags')
      .getByTestId(/^grade-drag-/)
      .filter({ hasText: 'catalog/leaked-secret' })
      .first(),
  ).toBeVisible();
  // The path to the next grade: how many fixes, the first of them with the score after each.
  await expect(page.getByTestId('next-grade-summary')).toContainText(/reach D/);
  await expect(page.getByTestId(/^next-grade-step-/).first()).toContainText(
    /score \d/,
  );
  // Titles and locations wrap instead of being clipped (the theme clips dense list text).
  const clipped = await page
    .locator(
      '[data-testid^="grade-drag-"] .MuiListItemText-root, [data-testid^="next-grade-step-"] .MuiListItemText-root',
    )
    .evaluateAll(items =>
      items
        .filter(item => item.scrollWidth > item.clientWidth + 1)
        .map(item => item.textContent),
    );
  expect(clipped).toEqual([]);
  await saveFullPageScreenshot(page, testInfo, 'security-page-overview');

  // What holds the grade down opens the finding's details; Escape closes them.
  await drag.click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expect(
    page.getByRole('dialog').getByTestId('finding-remediation'),
  ).not.toBeEmpty();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // Findings: server-side filters in the URL, drawer from the keyboard, masked evidence.
  await page.goto(
    '/security/findings?severity=critical&check=catalog%2Fleaked-secret&q=payments-api',
  );
  const table = page.getByTestId('findings-table');
  await expect(table.getByTestId(/^finding-row-/).first()).toBeVisible();
  const severities = await table
    .getByTestId(/^finding-row-/)
    .getByTestId('severity-chip-critical')
    .count();
  expect(severities).toBe(await table.getByTestId(/^finding-row-/).count());
  await table
    .getByTestId(/^finding-open-/)
    .first()
    .focus();
  await page.keyboard.press('Enter');
  const drawer = page.getByRole('dialog');
  await expect(drawer).toContainText('Remediation');
  await expect(drawer).toContainText(/chars\)/); // a secret shows as its mask
  expect(new URL(page.url()).searchParams.get('finding')).toBeTruthy();
  await page.keyboard.press('Escape');
  await saveFullPageScreenshot(page, testInfo, 'security-page-findings');

  // Sorting is done by the server and kept in the URL.
  await page.getByTestId('sort-firstSeenAt').click();
  await expect(page).toHaveURL(/sort=firstSeenAt/);
  await expect(page).toHaveURL(/order=desc/);

  // Authentication: what the probes observed next to the configuration.
  await page.getByRole('tab', { name: 'Authentication' }).click();
  await expect(page.getByTestId('auth-probes')).toBeVisible();
  await expect(page.getByTestId('auth-probe-guest-session')).toContainText(
    'Exposed',
  );
  await expect(page.getByTestId('auth-providers')).toContainText('guest');
  await saveFullPageScreenshot(page, testInfo, 'security-page-auth');

  // Permissions: the coverage matrix, filtered by plugin.
  await page.getByRole('tab', { name: 'Permissions' }).click();
  const matrix = page.getByTestId('coverage-matrix');
  await expect(matrix).toBeVisible();
  await page.getByTestId('matrix-plugin-filter').click();
  await page.getByRole('option', { name: 'scaffolder' }).click();
  await expect(page).toHaveURL(/plugin=scaffolder/);
  const names = await matrix
    .locator('[data-testid^="matrix-row-"]')
    .evaluateAll(rows => rows.map(row => row.getAttribute('data-testid')));
  expect(names.length).toBeGreaterThan(0);
  for (const name of names) expect(name).toMatch(/^matrix-row-scaffolder\./);
  await expect(matrix.locator('[data-sensitive="true"]').first()).toBeVisible();
  await saveFullPageScreenshot(page, testInfo, 'security-page-permissions');

  // Plugins: the inventory with advisories and the version that fixes them.
  await page.getByRole('tab', { name: 'Plugins' }).click();
  await expect(page.getByTestId('plugin-inventory')).toBeVisible();
  await page
    .getByRole('button', { name: /^Show advisories of / })
    .first()
    .click();
  await expect(
    page.getByRole('table', { name: /^Advisories of / }).first(),
  ).toContainText('GHSA-');
  // The demo points OSV at a closed port: the page says matching rests on the bundled dataset.
  await expect(page.getByTestId('advisory-sources-notice')).toContainText(
    'No live advisory source answered',
  );
  await expect(page.getByTestId('advisory-source-osv')).toContainText(
    'unreachable',
  );
  // A transitive advisory, attributed to the plugin that pulls it in (planted in the fixture).
  await page.getByTestId('inventory-filter').fill('@octokit/request');
  await page
    .getByRole('button', {
      name: 'Show advisories of @octokit/request',
      exact: true,
    })
    .click();
  await expect(page.getByTestId('pulled-in-by-@octokit/request')).toContainText(
    'Pulled in by @roadiehq/backstage-plugin-github-insights',
  );
  await saveFullPageScreenshot(page, testInfo, 'security-page-plugins');

  // Templates: ranked by risk, drill into the riskiest.
  await page.getByRole('tab', { name: 'Templates' }).click();
  await expect(page.getByTestId('template-ranking')).toBeVisible();
  await page
    .getByTestId(/^template-open-/)
    .first()
    .click();
  await expect(page.getByTestId('template-detail')).toContainText(/\+\d+/);
  await expect(page).toHaveURL(/template=template%3A/);
  await saveFullPageScreenshot(page, testInfo, 'security-page-templates');
  // The explanation is a drawer over the page: close it before moving on.
  await page.getByTestId('template-detail-close').click();
  await expect(page.getByTestId('template-detail')).toHaveCount(0);
  await expect(page).not.toHaveURL(/template=template%3A/);

  // Catalog: entities grouped by owner, masks only.
  await page.getByRole('tab', { name: 'Catalog' }).click();
  const groups = page.getByTestId('catalog-owner-groups');
  await expect(groups.getByTestId(/^owner-group-/).first()).toBeVisible();
  await expect(groups).toContainText('Payments API');
  await expect(groups).toContainText(/chars\)/);
  await saveFullPageScreenshot(page, testInfo, 'security-page-catalog');

  // Runtime: the demo's static external access token is a literal in its config file, listed by
  // path and source, never by value; the blast radius counts the plugins of the process.
  await page.getByRole('tab', { name: 'Runtime' }).click();
  const credentialRows = page
    .getByTestId('runtime-credentials')
    .getByTestId('credential-row');
  await expect(
    credentialRows.filter({ hasText: 'backend.auth.externalAccess[0].options.token' }),
  ).toContainText('Literal in config');
  // the demo's fake integrations: a GitHub App key and a cluster token from mounted files, an S3
  // secret and a PagerDuty proxy header written into the config file
  await expect(
    credentialRows.filter({ hasText: 'integrations.github[0].apps[0].privateKey' }),
  ).toContainText('push to repos');
  await expect(
    credentialRows.filter({ hasText: 'serviceAccountToken' }),
  ).toContainText('cluster access');
  await expect(
    credentialRows.filter({ hasText: 'integrations.awsS3[0].secretAccessKey' }),
  ).toContainText('Literal in config');
  await expect(
    credentialRows.filter({ hasText: '/pagerduty' }),
  ).toContainText('incident management');
  await expect(page.getByTestId('runtime-blast-radius')).toContainText(
    /readable by \d+ backend plugins and modules in one process/,
  );
  await expect(page.getByTestId('category-view-runtime')).not.toContainText(
    'demo-static-token-do-not-use',
  );
  await saveFullPageScreenshot(page, testInfo, 'security-page-runtime');

  // Readable in the dark theme too.
  await page.evaluate(() => window.localStorage.setItem('theme', 'dark'));
  await page.goto('/security');
  await expect(
    page.getByTestId('score-trend').locator('svg').first(),
  ).toBeVisible();
  await saveFullPageScreenshot(page, testInfo, 'security-page-overview-dark');
  await page.evaluate(() => window.localStorage.removeItem('theme'));

  await expectNoPlantedSecrets(page, bodies);
  expectNoProblems(problems);
});

test('platform team exports CSV: report, current filters and a category', async ({
  page,
}, testInfo) => {
  const problems = collectProblems(page);
  await signInAs(page, 'alice');

  // The whole open report: one row per open finding of the header.
  await page.goto('/security');
  const openFindings = Number(
    await page.getByTestId('posture-open-findings').innerText(),
  );
  const report = await download(page, testInfo, 'report-export-csv');
  expectDatedCsvName(report.filename, 'security-posture-report');
  const reportRows = parseCsv(report.text);
  // The header counts open findings without check errors; the CSV lists those too. The demo
  // has one: OSV points at a closed port (plugins/live-data-unavailable, outcome error).
  const errorRows = reportRows.filter(r => r.outcome === 'error');
  expect(errorRows.map(r => r.checkId)).toContain(
    'plugins/live-data-unavailable',
  );
  expect(reportRows.length - errorRows.length).toBe(openFindings);
  // Every scanned category; detections too when an earlier spec raised one (notifications.spec
  // reads 60 entities as Dana), which stays open for the rest of the run.
  expect(
    new Set(reportRows.map(r => r.category).filter(c => c !== 'detections')),
  ).toEqual(
    new Set(['auth', 'permissions', 'plugins', 'templates', 'catalog', 'runtime']),
  );
  const leaked = reportRows.filter(
    r =>
      r.entityRef === 'component:default/payments-api' &&
      r.checkId === 'catalog/leaked-secret',
  );
  expect(leaked.length).toBeGreaterThan(0);
  for (const row of leaked)
    expect(row.evidence).toMatch(/secretMask=\S*…\(\d+ chars\)/);
  expectNoSecretsIn(report.text);

  // The findings view exports exactly its filters.
  await page.goto('/security/findings?severity=critical&severity=high');
  const total = Number(
    (await page.getByTestId('findings-total').innerText()).replace(/\D/g, ''),
  );
  const filtered = await download(page, testInfo, 'findings-export-csv');
  expectDatedCsvName(filtered.filename, 'security-posture-findings');
  const filteredRows = parseCsv(filtered.text);
  expect(filteredRows.length).toBe(total);
  expect(new Set(filteredRows.map(r => r.severity))).toEqual(
    new Set(['critical', 'high']),
  );
  expectNoSecretsIn(filtered.text);

  // A category view exports its category.
  await page.goto('/security/catalog');
  const catalog = await download(page, testInfo, 'category-export-csv');
  expectDatedCsvName(catalog.filename, 'security-posture-catalog');
  const catalogRows = parseCsv(catalog.text);
  expect(catalogRows.length).toBe(
    reportRows.filter(r => r.category === 'catalog').length,
  );
  expect(new Set(catalogRows.map(r => r.category))).toEqual(
    new Set(['catalog']),
  );
  expectNoSecretsIn(catalog.text);

  expectNoProblems(problems);
});

test('service owner sees and exports the details of their entity', async ({
  page,
}, testInfo) => {
  const bodies = collectResponses(page);
  const problems = collectProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAs(page, 'sam');

  await page.goto('/catalog/default/component/payments-api/security');
  const details = page.getByTestId('entity-security-details');
  await expect(details).toBeVisible();
  await expect(details).toContainText('Remediation');
  await expect(details).toContainText('AKIA…(20 chars)');
  const open = Number(
    (await details.innerText()).match(/(\d+) open findings?\./)![1],
  );
  await saveFullPageScreenshot(page, testInfo, 'entity-tab-owner');

  const csv = await download(page, testInfo, 'entity-security-download-csv');
  expectDatedCsvName(
    csv.filename,
    'security-posture-component_default_payments-api',
  );
  const rows = parseCsv(csv.text);
  expect(rows.length).toBe(open);
  expect(new Set(rows.map(r => r.entityRef))).toEqual(
    new Set(['component:default/payments-api']),
  );
  expect(rows.some(r => r.evidence.includes('secretMask='))).toBe(true);
  expectNoSecretsIn(csv.text);

  await expectNoPlantedSecrets(page, bodies);
  expectNoProblems(problems);
});

test('a user who owns nothing sees counts only, and exports counts only', async ({
  page,
}, testInfo) => {
  const bodies = collectResponses(page);
  const problems = collectProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signInAs(page, 'dana');

  await page.goto('/catalog/default/component/payments-api/security');
  const counts = page.getByTestId('entity-security-counts');
  await expect(counts).toBeVisible();
  await expect(counts).toContainText(
    "visible to the entity's owners and the platform team",
  );
  await expect(page.getByTestId('entity-security-details')).toHaveCount(0);
  await expect(page.getByTestId(/^finding-details-/)).toHaveCount(0);
  await saveFullPageScreenshot(page, testInfo, 'entity-tab-counts-only');

  const csv = await download(page, testInfo, 'entity-security-download-csv');
  const rows = parseCsv(csv.text);
  expect(Object.keys(rows[0]).sort()).toEqual([
    'entityRef',
    'openFindings',
    'severity',
  ]);
  expect(rows.map(r => r.severity)).toEqual([
    'critical',
    'high',
    'medium',
    'low',
    'info',
  ]);
  expectNoSecretsIn(csv.text);

  await page.goto('/security');
  await expect(page.getByTestId('restricted-note')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Permissions' })).toHaveCount(0);

  await expectNoPlantedSecrets(page, bodies);
  expectNoProblems(problems);
});
