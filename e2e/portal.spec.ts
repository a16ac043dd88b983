import { expect, test } from '@playwright/test';
import {
  collectResponses,
  expectNoPlantedSecrets,
  scanUntilFindings,
  signInAs,
} from './helpers';

test.describe.configure({ mode: 'serial' });

test('platform team: scans and sees the deployment-wide report', async ({
  page,
}) => {
  const bodies = collectResponses(page);
  await signInAs(page, 'alice');

  await page.goto('/catalog?filters%5Buser%5D=all');
  await expect(page.getByText('Payments API').first()).toBeVisible();

  await scanUntilFindings(page);
  await expect(page.getByTestId('posture-grade')).toHaveText(/^[A-F]$/);
  await expect(page.getByTestId('posture-score')).toHaveText(/\d/);
  await page.goto('/security');
  await expect(page.getByTestId('category-card-catalog')).toBeVisible();
  // masked evidence only
  await page.goto('/security/findings?q=identity-gateway');
  await expect(page.getByTestId('findings-table')).toContainText(
    'Identity Gateway',
  );
  await expectNoPlantedSecrets(page, bodies);
});

test('service owner: sees details of own entity, counts of others', async ({
  page,
}) => {
  const bodies = collectResponses(page);
  await signInAs(page, 'sam');

  await page.goto('/catalog/default/component/payments-api/security');
  const details = page.getByTestId('entity-security-details');
  await expect(details).toBeVisible();
  await expect(details).toContainText('aws-access-key-id');
  await expect(details).toContainText('AKIA…(20 chars)');

  await page.goto('/catalog/default/component/identity-gateway/security');
  await expect(page.getByTestId('entity-security-counts')).toBeVisible();
  await expect(page.getByTestId('entity-security-details')).toHaveCount(0);

  await page.goto('/security');
  await expect(page.getByTestId('restricted-note')).toBeVisible();
  await expect(page.getByTestId('scan-now-button')).toHaveCount(0);
  await expect(page.getByTestId('findings-table')).toContainText(
    'Payments API',
  );
  await expect(page.getByTestId('findings-table')).not.toContainText(
    'Identity Gateway',
  );
  await expectNoPlantedSecrets(page, bodies);
});

test('developer who owns nothing: counts only, restricted report', async ({
  page,
}) => {
  const bodies = collectResponses(page);
  await signInAs(page, 'dana');

  await page.goto('/catalog/default/component/payments-api/security');
  await expect(page.getByTestId('entity-security-counts')).toBeVisible();
  await expect(page.getByTestId('entity-security-details')).toHaveCount(0);

  await page.goto('/security');
  await expect(page.getByTestId('restricted-note')).toBeVisible();
  await expect(page.getByTestId('posture-grade')).toHaveCount(0);
  // Dana owns nothing (no entity or template of hers, her guild's or acme's): no details at all.
  await expect(page.getByTestId('findings-empty')).toHaveText(
    'No open findings in the entities you may see in detail.',
  );
  await expect(page.getByTestId(/^finding-row-/)).toHaveCount(0);
  await expectNoPlantedSecrets(page, bodies);
});
