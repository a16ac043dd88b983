import { expect, Page, TestInfo } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

/** Fake credentials planted in dev/catalog and dev/config (see dev/catalog/PLANTED-SECRETS.md). */
export const PLANTED_SECRETS = [
  'AKIARR4SFYO37FA03SD2',
  'nfo2a0OmoJYUZG8vzN88ekkkjDZ+BiwTrLGBti/L',
  'V4cOFjUYzTu98BWC',
  'ghp_CNI7i6c7VuYrSPZiQorrQnud2n9GD4C4KOA3',
  '1omwBuzrCBQOUCeQNkxBNM48',
  // the demo config's fake integrations (dev/fixtures/runtime)
  '558efd576238625cff641f91e8ad16b2b3e0150c',
  'f95NmHNlHbfKDN0ztcelsp02kdqTtKxk',
  'qE62FY1g5Vhgb/2u14H2Zkl3TgdT8ZC/OAAYerpj',
  'jD7Bf2oeUyLimyW93nMO',
  'eyJwHLvYEXdfarKiYlm8uLcvX99ND0n1zNyu33nKUFWxSxHAhf5eTux2kqZCKir',
  'uKqcpSGm+HXJSRtUgJT6TnMqUohJwF11wmwDrri5Q9RUuz1FwBOo1Ff0bK3J',
];

/** Where screenshots and downloaded files are kept after a run (gitignored). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '..', 'e2e-artifacts');

export async function signInAs(page: Page, user: 'alice' | 'sam' | 'dana') {
  await page.goto('/');
  await page.evaluate(() => window.localStorage.clear());
  await page.goto('/');
  await page.getByTestId(`demo-signin-${user}`).click();
  await expect(
    page.getByText('Security', { exact: true }).first(),
  ).toBeVisible();
}

/** Runs a scan as the current (platform-team) user until the catalog has been ingested. */
export async function scanUntilFindings(page: Page) {
  await page.goto('/security/findings?q=payments-api');
  await expect(async () => {
    await page.getByTestId('scan-now-button').click();
    await expect(page.getByTestId('scan-now-button')).toHaveText('Scan now', {
      timeout: 30_000,
    });
    await page.reload();
    await expect(page.getByTestId('findings-table')).toContainText(
      'Payments API',
      {
        timeout: 5_000,
      },
    );
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

/**
 * Warnings React prints for MUI v4 and material-table under React 18 StrictMode, and the user
 * settings backend this demo does not install: known noise of the host app, not of the plugin.
 */
const KNOWN_NOISE = [
  /findDOMNode is deprecated/,
  /Support for defaultProps will be removed/,
  /user-settings|user settings/i,
  /React Router Future Flag Warning/,
];

/**
 * Console errors, uncaught exceptions and failed security-posture API calls while the test
 * runs; `expectNoProblems` fails on any of them.
 */
export function collectProblems(page: Page) {
  const problems: string[] = [];
  page.on('console', message => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Failed requests are judged by their URL below.
    if (text.startsWith('Failed to load resource')) return;
    if (KNOWN_NOISE.some(pattern => pattern.test(text))) return;
    problems.push(`console error: ${text.slice(0, 500)}`);
  });
  page.on('pageerror', error => problems.push(`uncaught: ${error.message}`));
  page.on('response', response => {
    if (
      response.url().includes('/api/security-posture') &&
      response.status() >= 400
    ) {
      problems.push(`HTTP ${response.status()} ${response.url()}`);
    }
  });
  return problems;
}

export function expectNoProblems(problems: string[]) {
  expect(problems, problems.join('\n')).toEqual([]);
}

/**
 * Backstage pages scroll inside their content area, so Playwright's fullPage option would cut
 * them at the viewport: grow the viewport to the content first, then restore it.
 */
export async function saveFullPageScreenshot(
  page: Page,
  testInfo: TestInfo,
  name: string,
) {
  const original = page.viewportSize() ?? { width: 1280, height: 720 };
  const height = await page.evaluate(() => {
    const scrollers = Array.from(
      document.querySelectorAll<HTMLElement>('body *'),
    ).filter(el => {
      const overflow = getComputedStyle(el).overflowY;
      return (
        (overflow === 'auto' || overflow === 'scroll') &&
        el.scrollHeight > el.clientHeight
      );
    });
    const bottoms = scrollers.map(
      el => el.getBoundingClientRect().top + el.scrollHeight,
    );
    return Math.ceil(Math.max(document.body.scrollHeight, ...bottoms));
  });
  await page.setViewportSize({
    width: original.width,
    height: Math.min(height + 16, 12_000),
  });
  // Let charts and lazy rows take the new size.
  await page.waitForTimeout(500);
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const image = await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { body: image, contentType: 'image/png' });
  await page.setViewportSize(original);
}

/** Clicks a download button and returns the file's name and text (also kept as an artifact). */
export async function download(
  page: Page,
  testInfo: TestInfo,
  buttonTestId: string,
) {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(buttonTestId).click(),
  ]);
  const filename = file.suggestedFilename();
  const target = path.join(
    ARTIFACTS_DIR,
    'downloads',
    `${testInfo.title.replace(/\W+/g, '-')}-${filename}`,
  );
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await file.saveAs(target);
  const text = fs.readFileSync(target, 'utf8');
  await testInfo.attach(filename, { body: text, contentType: 'text/csv' });
  return { filename, text };
}

/** RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes) into records by header. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...records] = rows;
  return records.map(values =>
    Object.fromEntries(header.map((name, i) => [name, values[i] ?? ''])),
  );
}

/** `name-YYYY-MM-DD.csv` with today's (local) date. */
export function expectDatedCsvName(filename: string, base: string) {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(
    now.getDate(),
  )}`;
  expect(filename).toBe(`${base}-${today}.csv`);
}
