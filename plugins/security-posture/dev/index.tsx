import { createDevApp } from '@backstage/dev-utils';
import { securityPosturePlugin, SecurityPage } from '../src/plugin';

// `npm start` in this package serves the Security page against the backend
// configured in app-config.yaml (the security-posture backend must be running).
createDevApp()
  .registerPlugin(securityPosturePlugin)
  .addPage({
    element: <SecurityPage />,
    title: 'Security',
    path: '/security',
  })
  .render();
