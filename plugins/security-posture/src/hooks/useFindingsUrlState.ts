import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  FindingSortField,
  FindingsQuery,
  isSeverity,
  Severity,
} from '@security-posture/plugin-security-posture-common';

/** Which findings the table shows: `all` means open, exempted and resolved. */
export type FindingStatusFilter = 'open' | 'exempted' | 'resolved' | 'all';

const STATUS_FILTERS: FindingStatusFilter[] = ['open', 'exempted', 'resolved', 'all'];

export interface FindingsFilters {
  category: string[];
  severity: Severity[];
  status: FindingStatusFilter;
  owner: string[];
  kind: string[];
  checkId: string[];
  text: string;
}

export interface FindingsTableState extends FindingsFilters {
  orderBy: FindingSortField;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
  /** One row per check id and title (GET /findings/groups) instead of one per finding. */
  grouped: boolean;
}

export const PAGE_SIZES = [10, 25, 50, 100];
const DEFAULT_PAGE_SIZE = 25;
const SORT_FIELDS: FindingSortField[] = [
  'severity',
  'category',
  'checkId',
  'entityRef',
  'firstSeenAt',
  'lastSeenAt',
];

/** Short, shareable query parameter names. */
export const URL_PARAMS = {
  category: 'category',
  severity: 'severity',
  status: 'status',
  owner: 'owner',
  kind: 'kind',
  checkId: 'check',
  text: 'q',
  orderBy: 'sort',
  order: 'order',
  page: 'page',
  pageSize: 'size',
  finding: 'finding',
  grouped: 'group',
} as const;

function nonNegativeInt(value: string | null, fallback: number): number {
  const n = Number(value);
  return value !== null && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** Reads the table state from the URL; unknown values fall back to defaults instead of failing. */
export function parseFindingsTableState(
  params: URLSearchParams,
): FindingsTableState {
  const status = params.get(URL_PARAMS.status);
  const orderBy = params.get(URL_PARAMS.orderBy) as FindingSortField | null;
  const pageSize = nonNegativeInt(
    params.get(URL_PARAMS.pageSize),
    DEFAULT_PAGE_SIZE,
  );
  return {
    category: params.getAll(URL_PARAMS.category).filter(Boolean),
    severity: params.getAll(URL_PARAMS.severity).filter(isSeverity),
    status: STATUS_FILTERS.includes(status as FindingStatusFilter)
      ? (status as FindingStatusFilter)
      : 'open',
    owner: params.getAll(URL_PARAMS.owner).filter(Boolean),
    kind: params.getAll(URL_PARAMS.kind).filter(Boolean),
    checkId: params.getAll(URL_PARAMS.checkId).filter(Boolean),
    text: (params.get(URL_PARAMS.text) ?? '').slice(0, 200),
    orderBy: orderBy && SORT_FIELDS.includes(orderBy) ? orderBy : 'severity',
    order: params.get(URL_PARAMS.order) === 'desc' ? 'desc' : 'asc',
    page: nonNegativeInt(params.get(URL_PARAMS.page), 0),
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : DEFAULT_PAGE_SIZE,
    grouped: params.get(URL_PARAMS.grouped) === '1',
  };
}

/** Writes a state into (a copy of) the URL parameters, leaving unrelated parameters alone. */
export function writeFindingsTableState(
  params: URLSearchParams,
  state: FindingsTableState,
): URLSearchParams {
  const next = new URLSearchParams(params);
  const lists: Array<[string, string[]]> = [
    [URL_PARAMS.category, state.category],
    [URL_PARAMS.severity, state.severity],
    [URL_PARAMS.owner, state.owner],
    [URL_PARAMS.kind, state.kind],
    [URL_PARAMS.checkId, state.checkId],
  ];
  for (const [name, values] of lists) {
    next.delete(name);
    values.forEach(value => next.append(name, value));
  }
  const scalars: Array<[string, string | undefined]> = [
    [URL_PARAMS.status, state.status === 'open' ? undefined : state.status],
    [URL_PARAMS.text, state.text || undefined],
    [
      URL_PARAMS.orderBy,
      state.orderBy === 'severity' ? undefined : state.orderBy,
    ],
    [URL_PARAMS.order, state.order === 'asc' ? undefined : state.order],
    [URL_PARAMS.page, state.page === 0 ? undefined : String(state.page)],
    [
      URL_PARAMS.pageSize,
      state.pageSize === DEFAULT_PAGE_SIZE ? undefined : String(state.pageSize),
    ],
    [URL_PARAMS.grouped, state.grouped ? '1' : undefined],
  ];
  for (const [name, value] of scalars) {
    if (value === undefined) next.delete(name);
    else next.set(name, value);
  }
  return next;
}

/** The backend query of a filter state (without paging). */
export function filtersToQuery(
  filters: FindingsFilters,
): Omit<FindingsQuery, 'limit' | 'offset' | 'orderBy' | 'order'> {
  const query: FindingsQuery = {};
  if (filters.category.length) query.category = filters.category;
  if (filters.severity.length) query.severity = filters.severity;
  query.status =
    filters.status === 'all'
      ? ['open', 'exempted', 'resolved']
      : [filters.status];
  if (filters.owner.length) query.owner = filters.owner;
  if (filters.kind.length) query.entityKind = filters.kind;
  if (filters.checkId.length) query.checkId = filters.checkId;
  if (filters.text.trim()) query.text = filters.text.trim();
  return query;
}

/** The backend query of a table state, paging and sorting included. */
export function tableStateToQuery(state: FindingsTableState): FindingsQuery {
  return {
    ...filtersToQuery(state),
    orderBy: state.orderBy,
    order: state.order,
    limit: state.pageSize,
    offset: state.page * state.pageSize,
  };
}

const FILTER_FIELDS: Array<keyof FindingsFilters> = [
  'category',
  'severity',
  'status',
  'owner',
  'kind',
  'checkId',
  'text',
];

/** How a URL state change enters the browser history. */
export interface UrlUpdateOptions {
  /**
   * Replace the current history entry instead of pushing one. Only for normalising the URL
   * (e.g. a page past the last one); a user's paging and filtering push entries, so that
   * Back and Forward walk through them.
   */
  replace?: boolean;
}

/**
 * Filters, sorting and paging of a findings table, kept in the URL so that a view can be
 * shared. Changing a filter or the sort order goes back to the first page. Every change the
 * user makes is a history entry (Back returns to the previous page or filters).
 */
export function useFindingsUrlState() {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => parseFindingsTableState(params), [params]);

  const update = useCallback(
    (patch: Partial<FindingsTableState>, options: UrlUpdateOptions = {}) => {
      setParams(
        current => {
          const before = parseFindingsTableState(current);
          const resetsPage =
            patch.page === undefined &&
            (FILTER_FIELDS.some(f => f in patch) ||
              'orderBy' in patch ||
              'order' in patch ||
              'pageSize' in patch ||
              'grouped' in patch);
          return writeFindingsTableState(current, {
            ...before,
            ...patch,
            page: resetsPage ? 0 : patch.page ?? before.page,
          });
        },
        { replace: Boolean(options.replace) },
      );
    },
    [setParams],
  );

  // Clears the filters, sort and paging; the view (grouped or not) stays.
  const reset = useCallback(() => {
    setParams(current => {
      const next = new URLSearchParams(current);
      Object.values(URL_PARAMS)
        .filter(name => name !== URL_PARAMS.finding && name !== URL_PARAMS.grouped)
        .forEach(name => next.delete(name));
      return next;
    });
  }, [setParams]);

  return { state, update, reset };
}

/** The finding shown in the details drawer, kept in the URL (`?finding=<fingerprint>`). */
export function useFindingDrawerParam() {
  const [params, setParams] = useSearchParams();
  const fingerprint = params.get(URL_PARAMS.finding) ?? undefined;
  const open = useCallback(
    (next: string) =>
      setParams(current => {
        const copy = new URLSearchParams(current);
        copy.set(URL_PARAMS.finding, next);
        return copy;
      }),
    [setParams],
  );
  const close = useCallback(
    () =>
      setParams(
        current => {
          const copy = new URLSearchParams(current);
          copy.delete(URL_PARAMS.finding);
          return copy;
        },
        { replace: true },
      ),
    [setParams],
  );
  return { fingerprint, open, close };
}
