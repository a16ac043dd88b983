/** Structured data published by check families, read by the UI through `GET /checks/{category}/{name}/data/{key}`. */
export * from './auth';
export * from './permissions';
export * from './plugins';
export * from './templates';
export * from './catalog';

/** Envelope of published check data as the API returns it. */
export interface PublishedCheckData<T = unknown> {
  checkId: string;
  key: string;
  scanId: string;
  updatedAt: string;
  data: T;
}
