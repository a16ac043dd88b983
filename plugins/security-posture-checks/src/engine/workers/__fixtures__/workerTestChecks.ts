import { stringifyEntityRef } from '@backstage/catalog-model';
import { createEntitySecurityCheck } from '@security-posture/plugin-security-posture-node';

/** Checks for the evaluation pool's tests, loaded by worker threads from this module's path. */
export const workerTestChecks = [
  createEntitySecurityCheck({
    meta: {
      id: 'catalog/worker-test-secret',
      title: 'Worker test: token annotation',
      category: 'catalog',
      defaultSeverity: 'high',
      description:
        'Reports the value of the test.io/token annotation as a secret.',
      remediation: 'Remove it.',
    },
    evaluate(entity, { logger }) {
      const value = entity.metadata.annotations?.['test.io/token'];
      if (!value) return [];
      // Logged raw on purpose: the worker must scrub it before the line leaves the thread.
      logger.info(`found ${value} on ${entity.metadata.name}`);
      return [
        {
          outcome: 'fail',
          target: { type: 'entity', entityRef: stringifyEntityRef(entity) },
          location: 'metadata.annotations.test.io/token',
          message: `token ${value} in the catalog`,
          secret: { kind: 'test-token', value },
        },
      ];
    },
  }),
  createEntitySecurityCheck({
    meta: {
      id: 'catalog/worker-test-crash',
      title: 'Worker test: throws or hangs',
      category: 'catalog',
      defaultSeverity: 'low',
      description:
        'Throws on entities named throw-*, never returns on entities named hang-*.',
      remediation: 'None.',
    },
    evaluate(entity, { options }) {
      const name = entity.metadata.name;
      if (name.startsWith('throw-')) {
        throw new Error(
          `cannot evaluate ${entity.metadata.annotations?.['test.io/token']}`,
        );
      }
      if (name.startsWith('hang-')) {
        const until = Date.now() + options.getOptionalNumber('hangMs')!;
        while (Date.now() < until) {
          // busy: a synchronous loop only terminating the worker stops
        }
      }
      return [
        {
          outcome: 'pass',
          target: { type: 'entity', entityRef: stringifyEntityRef(entity) },
          message: 'evaluated',
        },
      ];
    },
  }),
  createEntitySecurityCheck({
    meta: {
      id: 'catalog/worker-test-services',
      title: 'Worker test: reads services',
      category: 'catalog',
      defaultSeverity: 'low',
      description: 'Uses a context part workers do not offer.',
      remediation: 'None.',
    },
    evaluate(_entity, context) {
      // Touching `services` is the point: the worker's context throws.
      return context.services ? [] : [];
    },
  }),
];
