import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { securityPostureScanCreatePermission } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  makeFinding,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { FindingDrawer } from './FindingDrawer';

// Its own file: usePermission caches decisions per file, and scan.create has no resource.
const server = setupBackend();

it('offers no rescan to those who may not start scans', async () => {
  const asked: string[] = [];
  server.use(
    http.get(`${BACKEND}/checks`, () =>
      HttpResponse.json({
        items: [
          {
            id: 'catalog/secret-in-annotation',
            title: 'Secret',
            category: 'catalog',
            defaultSeverity: 'high',
            severity: 'high',
            description: 'd',
            remediation: 'r',
            enabled: true,
            scope: 'entity',
          },
        ],
      }),
    ),
    http.get(`${BACKEND}/findings/fp-1`, () => HttpResponse.json(makeFinding())),
  );
  await renderWithBackend(<FindingDrawer fingerprint="fp-1" onClose={() => {}} />, {
    allow: permission => {
      asked.push(permission);
      return permission !== securityPostureScanCreatePermission.name;
    },
  });
  const drawer = await screen.findByRole('dialog');
  expect(await within(drawer).findByTestId('finding-details-fp-1')).toBeInTheDocument();
  await new Promise(resolve => setTimeout(resolve, 100));
  expect(asked).toContain(securityPostureScanCreatePermission.name);
  expect(within(drawer).queryByTestId('rescan-check-button')).not.toBeInTheDocument();
});
