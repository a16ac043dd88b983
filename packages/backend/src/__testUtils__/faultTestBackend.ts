/*
 * Entry of the scan fault test's replicas (scanReplicas.integration.test.ts): the demo backend
 * plus one test-only entity check that waits SECURITY_POSTURE_FAULT_TEST_ENTITY_DELAY_MS per
 * entity, so that a scan's catalog pass lasts seconds on the small demo catalog and the test
 * can kill a replica or restart PostgreSQL in the middle of it. Nothing else differs from the
 * demo backend; production and demo code have no test paths.
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createEntitySecurityCheck,
  securityPostureChecksExtensionPoint,
} from '@security-posture/plugin-security-posture-node';
import { createDemoBackend } from '../backend';

const delayMs = Number(process.env.SECURITY_POSTURE_FAULT_TEST_ENTITY_DELAY_MS ?? 0);

function wait(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

const slowPass = createEntitySecurityCheck({
  meta: {
    id: 'catalog/fault-test-slow-pass',
    title: 'Fault test: slow catalog pass',
    category: 'catalog',
    defaultSeverity: 'info',
    description: 'Test only: takes its time over every entity and finds nothing.',
    remediation: 'None.',
  },
  async evaluate(_entity, { signal }) {
    await wait(delayMs, signal);
    return [];
  },
});

const backend = createDemoBackend();
backend.add(
  createBackendModule({
    pluginId: 'security-posture',
    moduleId: 'fault-test-slow-pass',
    register(reg) {
      reg.registerInit({
        deps: { checks: securityPostureChecksExtensionPoint },
        async init({ checks }) {
          checks.addChecks(slowPass);
        },
      });
    },
  }),
);
backend.start();
