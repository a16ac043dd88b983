import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { CompoundEntityRef, parseEntityRef } from '@backstage/catalog-model';
import {
  CheckMetadata,
  EntityFindingsResponse,
  Exemption,
  ExemptionsPage,
  ExemptionsQuery,
  Finding,
  FindingGroupsPage,
  FindingsPage,
  NewExemption,
  FindingsQuery,
  HistoryPoint,
  PostureSummary,
  PublishedCheckData,
  Scan,
  ChangesSincePage,
  ChangesSinceQuery,
  ScanChangesPage,
  ScanChangesQuery,
  TeamScorecards,
} from '@security-posture/plugin-security-posture-common';
import { CsvDownload, SecurityPostureApi } from './SecurityPostureApi';

const PLUGIN_ID = 'security-posture';

/**
 * The query parameters the backend accepts (its OpenAPI spec), in a stable order; arrays repeat
 * their parameter. The backend rejects parameters it does not declare, and empty values.
 */
const EXPORT_KEYS: Array<keyof FindingsQuery> = [
  'category',
  'severity',
  'status',
  'checkId',
  'owner',
  'entityKind',
  'text',
];
const QUERY_KEYS: Array<keyof FindingsQuery> = [
  ...EXPORT_KEYS,
  'orderBy',
  'order',
  'limit',
  'offset',
];

/** Serializes a findings query the way the backend parses it. */
export function findingsQueryString(
  query: FindingsQuery = {},
  keys: Array<keyof FindingsQuery> = QUERY_KEYS,
): string {
  const params = new URLSearchParams();
  for (const key of keys) {
    const value = query[key];
    const values = (Array.isArray(value) ? value : [value])
      .filter(item => item !== undefined && item !== null)
      .map(item => String(item).trim())
      .filter(item => item !== '');
    for (const item of values) {
      params.append(key, item);
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The query parameters of GET /exemptions, in a stable order; lists repeat. */
const EXEMPTION_QUERY_KEYS: Array<keyof ExemptionsQuery> = [
  'state',
  'scopeType',
  'checkId',
  'entityRef',
  'createdBy',
  'expiringWithinDays',
  'limit',
  'offset',
];

export function exemptionsQueryString(query: ExemptionsQuery = {}): string {
  const params = new URLSearchParams();
  for (const key of EXEMPTION_QUERY_KEYS) {
    const value = query[key];
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (item !== undefined && item !== null && String(item).trim() !== '') {
        params.append(key, String(item).trim());
      }
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function entityPath(entityRef: string | CompoundEntityRef): string {
  const ref =
    typeof entityRef === 'string' ? parseEntityRef(entityRef) : entityRef;
  return [ref.kind, ref.namespace, ref.name]
    .map(part => encodeURIComponent(part.toLocaleLowerCase('en-US')))
    .join('/');
}

/** Reads `filename="…"` (or `filename*=UTF-8''…`) from a Content-Disposition header. */
export function filenameFromContentDisposition(
  header: string | null,
): string | undefined {
  if (!header) {
    return undefined;
  }
  const extended = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(header);
  const name = plain?.[1] ?? plain?.[2]?.trim();
  return name || undefined;
}

/** Talks to the security-posture backend through the discovery and fetch APIs. */
export class SecurityPostureClient implements SecurityPostureApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getSummary(): Promise<PostureSummary> {
    return this.getJson('/summary');
  }

  async getFindings(query: FindingsQuery = {}): Promise<FindingsPage> {
    return this.getJson(`/findings${findingsQueryString(query)}`);
  }

  async getFindingGroups(query: FindingsQuery = {}): Promise<FindingGroupsPage> {
    return this.getJson(
      `/findings/groups${findingsQueryString(query, [...EXPORT_KEYS, 'limit', 'offset'])}`,
    );
  }

  async getFinding(fingerprint: string): Promise<Finding> {
    return this.getJson(`/findings/${encodeURIComponent(fingerprint)}`);
  }

  async getEntityFindings(
    entityRef: string | CompoundEntityRef,
  ): Promise<EntityFindingsResponse> {
    return this.getJson(`/entities/${entityPath(entityRef)}/findings`);
  }

  async requestScan(options: { checkIds?: string[] } = {}): Promise<Scan> {
    return this.request<Scan>('/scans', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(options.checkIds ? { checkIds: options.checkIds } : {}),
    });
  }

  async getScan(id: string): Promise<Scan> {
    return this.getJson(`/scans/${encodeURIComponent(id)}`);
  }

  async listScans(): Promise<Scan[]> {
    const { items } = await this.getJson<{ items: Scan[] }>('/scans');
    return items;
  }

  async getChangesSince(query: ChangesSinceQuery): Promise<ChangesSincePage> {
    const params = new URLSearchParams([['since', query.since]]);
    for (const change of query.change ?? []) params.append('change', change);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.offset) params.set('offset', String(query.offset));
    return this.getJson(`/changes?${params}`);
  }

  async getScanChanges(
    scanId: string,
    query: ScanChangesQuery = {},
  ): Promise<ScanChangesPage> {
    const params = new URLSearchParams();
    for (const change of query.change ?? []) params.append('change', change);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.offset) params.set('offset', String(query.offset));
    const search = params.toString();
    return this.getJson(
      `/scans/${encodeURIComponent(scanId)}/changes${search ? `?${search}` : ''}`,
    );
  }

  async getScorecards(): Promise<TeamScorecards> {
    return this.getJson('/scorecards');
  }

  async downloadScorecardsCsv(): Promise<CsvDownload> {
    return this.download(
      `${await this.baseUrl()}/scorecards/export.csv`,
      'security-posture-team-scorecards.csv',
    );
  }

  async getHistory(): Promise<HistoryPoint[]> {
    const { items } = await this.getJson<{ items: HistoryPoint[] }>('/history');
    return items;
  }

  async listChecks(): Promise<CheckMetadata[]> {
    const { items } = await this.getJson<{ items: CheckMetadata[] }>('/checks');
    return items;
  }

  async listExemptions(query: ExemptionsQuery = {}): Promise<ExemptionsPage> {
    return this.getJson(`/exemptions${exemptionsQueryString(query)}`);
  }

  async createExemption(exemption: NewExemption): Promise<Exemption> {
    return this.request<Exemption>('/exemptions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(exemption),
    });
  }

  async revokeExemption(id: string): Promise<Exemption> {
    return this.request<Exemption>(`/exemptions/${encodeURIComponent(id)}`, {
      method: 'DELETE',
    });
  }

  async getCheckData<T = unknown>(
    checkId: string,
    key: string,
  ): Promise<PublishedCheckData<T> | undefined> {
    const [category, name, ...rest] = checkId.split('/');
    if (!category || !name || rest.length > 0) {
      throw new TypeError(
        `Invalid check id '${checkId}': expected '<category>/<name>'`,
      );
    }
    const path = [category, name, 'data', key]
      .map(encodeURIComponent)
      .join('/');
    const response = await this.fetchApi.fetch(
      `${await this.baseUrl()}/checks/${path}`,
      { method: 'GET' },
    );
    // 404: the check has not published under this key (yet); not an error for the UI.
    if (response.status === 404) {
      return undefined;
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as PublishedCheckData<T>;
  }

  async exportCsvUrl(query: FindingsQuery = {}): Promise<string> {
    return `${await this.baseUrl()}/export.csv${findingsQueryString(
      query,
      EXPORT_KEYS,
    )}`;
  }

  async entityCsvUrl(entityRef: string | CompoundEntityRef): Promise<string> {
    return `${await this.baseUrl()}/entities/${entityPath(
      entityRef,
    )}/findings.csv`;
  }

  async downloadFindingsCsv(query: FindingsQuery = {}): Promise<CsvDownload> {
    return this.download(
      await this.exportCsvUrl(query),
      'security-posture-report.csv',
    );
  }

  async downloadEntityFindingsCsv(
    entityRef: string | CompoundEntityRef,
  ): Promise<CsvDownload> {
    return this.download(
      await this.entityCsvUrl(entityRef),
      'security-posture-entity.csv',
    );
  }

  private async baseUrl(): Promise<string> {
    return this.discoveryApi.getBaseUrl(PLUGIN_ID);
  }

  private async getJson<T>(path: string): Promise<T> {
    return this.request<T>(path, { method: 'GET' });
  }

  private async request<T>(path: string, init: RequestInit): Promise<T> {
    const response = await this.fetchApi.fetch(
      `${await this.baseUrl()}${path}`,
      init,
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  private async download(
    url: string,
    defaultFilename: string,
  ): Promise<CsvDownload> {
    const response = await this.fetchApi.fetch(url, {
      method: 'GET',
      headers: { Accept: 'text/csv' },
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const filename =
      filenameFromContentDisposition(
        response.headers.get('Content-Disposition'),
      ) ?? defaultFilename;
    return { blob: await response.blob(), filename };
  }
}
