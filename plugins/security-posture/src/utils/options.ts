import { BuiltInCategory } from '@security-posture/plugin-security-posture-common';

/** Built-in categories in the order the UI shows them. */
export const BUILT_IN_CATEGORIES: BuiltInCategory[] = [
  'auth',
  'permissions',
  'plugins',
  'templates',
  'catalog',
  'runtime',
  'detections',
];

/**
 * Built-in categories whose findings belong to catalog entities (the only findings users
 * without the report permission may see); the others are about the deployment's config.
 */
export const ENTITY_FINDING_CATEGORIES: BuiltInCategory[] = [
  'templates',
  'catalog',
];

/** Catalog kinds findings can belong to (the Security tab is on all of them). */
export const ENTITY_KINDS = [
  'Component',
  'API',
  'Resource',
  'System',
  'Domain',
  'Template',
  'Group',
  'User',
  'Location',
];
