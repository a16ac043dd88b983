// Vocabulary of the catalog checks (`catalog/leaked-secret`, `catalog/sensitive-reference`,
// `catalog/exposed-sensitive-entity`), shared so the UI can label evidence values.

import { Severity } from '../types';

/** Kinds of leaked secret that `catalog/leaked-secret` reports (`evidence.secretKind`). */
export type CatalogSecretKind =
  | 'aws-access-key-id'
  | 'aws-secret-access-key'
  | 'gcp-service-account-key'
  | 'azure-storage-key'
  | 'github-token'
  | 'gitlab-token'
  | 'slack-token'
  | 'slack-webhook'
  | 'private-key'
  | 'jwt'
  | 'url-credentials'
  | 'stripe-secret-key'
  | 'google-api-key'
  | 'npm-token'
  | 'sendgrid-api-key'
  | 'datadog-api-key'
  | 'datadog-app-key'
  | 'pagerduty-integration-key'
  | 'vault-token'
  | 'generic-secret';

/** Label and default severity of each secret kind (a documentation example is always `info`). */
export const CATALOG_SECRET_KINDS: Record<
  CatalogSecretKind,
  { label: string; severity: Severity }
> = {
  'aws-access-key-id': { label: 'AWS access key id', severity: 'high' },
  'aws-secret-access-key': { label: 'AWS secret access key', severity: 'critical' },
  'gcp-service-account-key': { label: 'GCP service account key', severity: 'critical' },
  'azure-storage-key': { label: 'Azure storage account key', severity: 'critical' },
  'github-token': { label: 'GitHub token', severity: 'critical' },
  'gitlab-token': { label: 'GitLab token', severity: 'high' },
  'slack-token': { label: 'Slack token', severity: 'high' },
  'slack-webhook': { label: 'Slack incoming webhook', severity: 'medium' },
  'private-key': { label: 'Private key', severity: 'critical' },
  jwt: { label: 'JSON Web Token', severity: 'high' },
  'url-credentials': { label: 'Password in a URL', severity: 'high' },
  'stripe-secret-key': { label: 'Stripe secret key', severity: 'critical' },
  'google-api-key': { label: 'Google API key', severity: 'medium' },
  'npm-token': { label: 'npm access token', severity: 'high' },
  'sendgrid-api-key': { label: 'SendGrid API key', severity: 'high' },
  'datadog-api-key': { label: 'Datadog API key', severity: 'high' },
  'datadog-app-key': { label: 'Datadog application key', severity: 'high' },
  'pagerduty-integration-key': { label: 'PagerDuty integration key', severity: 'medium' },
  'vault-token': { label: 'HashiCorp Vault token', severity: 'critical' },
  'generic-secret': { label: 'Secret under a secret-named key', severity: 'high' },
};

/** Built-in classes of `catalog/sensitive-reference`; adopters may add their own in config. */
export type BuiltInSensitiveReferenceClass =
  | 'secret-reference'
  | 'incident-routing'
  | 'infra-topology'
  | 'internal-endpoint'
  | 'observability'
  | 'runbook';

// `string & {}` keeps autocompletion for the built-ins while allowing adopter classes.
export type SensitiveReferenceClass = BuiltInSensitiveReferenceClass | (string & {});

export const SENSITIVE_REFERENCE_CLASSES: Record<
  BuiltInSensitiveReferenceClass,
  { label: string; severity: Severity }
> = {
  'secret-reference': { label: 'Secret store reference', severity: 'medium' },
  'incident-routing': { label: 'Incident routing', severity: 'low' },
  'infra-topology': { label: 'Infrastructure topology', severity: 'low' },
  'internal-endpoint': { label: 'Internal endpoint', severity: 'low' },
  observability: { label: 'Observability link', severity: 'info' },
  runbook: { label: 'Runbook', severity: 'info' },
};

/** `evidence.classification` of a `catalog/leaked-secret` finding. */
export type LeakedSecretClassification = 'secret' | 'example';
