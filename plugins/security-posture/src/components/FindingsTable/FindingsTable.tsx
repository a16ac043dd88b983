import { useCallback, useEffect, useMemo } from 'react';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import LinearProgress from '@material-ui/core/LinearProgress';
import MuiLink from '@material-ui/core/Link';
import Paper from '@material-ui/core/Paper';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TableSortLabel from '@material-ui/core/TableSortLabel';
import Toolbar from '@material-ui/core/Toolbar';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ResponseErrorPanel } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  Finding,
  FindingGroup,
  FindingSortField,
  FindingsQuery,
} from '@security-posture/plugin-security-posture-common';
import {
  filtersToQuery,
  FindingsFilters as Filters,
  tableStateToQuery,
  useFindingDrawerParam,
  useFindings,
  useFindingsUrlState,
} from '../../hooks';
import { SeverityChip } from '../SeverityChip';
import { FindingDrawer } from '../FindingDrawer';
import { ExportCsvButton } from '../ExportCsvButton';
import { Locator } from '../Locator';
import { FindingsFilters } from './FindingsFilters';
import { FindingGroupsTable } from './FindingGroupsTable';
import { lastPageOf, PagedTableFooter } from '../PagedTableFooter';
import { categoryLabel, describeTarget, formatDate } from '../../utils/format';

const useStyles = makeStyles(theme => ({
  toolbar: {
    display: 'flex',
    justifyContent: 'space-between',
    gap: theme.spacing(2),
    flexWrap: 'wrap',
    paddingTop: theme.spacing(1),
  },
  row: {
    cursor: 'pointer',
  },
  title: {
    textAlign: 'left',
    fontWeight: 500,
  },
  owner: {
    // One owner per line, never broken inside its name: long names end in an ellipsis
    // (the full ref is the tooltip and the drawer lists them all).
    display: 'block',
    maxWidth: 240,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  },
  progress: {
    height: 2,
  },
  nowrap: {
    whiteSpace: 'nowrap',
  },
}));

interface Column {
  id: string;
  title: string;
  sortField?: FindingSortField;
  /** Narrower than this, a column would break words (`Payme/nts/Check/out`). */
  minWidth?: number;
  render: (finding: Finding) => React.ReactNode;
}

/** Shows at most a few owners, one per line; the drawer lists them all. */
/** The status column: open, exempted (until when), resolved (when). */
function statusText(f: Finding): string {
  if (f.status === 'resolved') return `Resolved ${formatDate(f.resolvedAt)}`;
  if (f.status === 'exempted') {
    return f.exemption?.expiresAt
      ? `Exempted until ${formatDate(f.exemption.expiresAt)}`
      : 'Exempted';
  }
  return f.exemption?.state === 'expired' ? 'Open (exemption expired)' : 'Open';
}

function Owners(props: { owners: string[] }) {
  const classes = useStyles();
  const shown = props.owners.slice(0, 2);
  if (shown.length === 0) return <>—</>;
  return (
    <>
      {shown.map(owner => (
        <span key={owner} className={classes.owner} title={owner}>
          <EntityRefLink entityRef={owner} defaultKind="group" />
        </span>
      ))}
      {props.owners.length > shown.length ? (
        <span className={classes.owner}>
          +{props.owners.length - shown.length} more
        </span>
      ) : null}
    </>
  );
}

export interface FindingsTableProps {
  /** Filters the view fixes (e.g. its category); they are applied and not offered. */
  fixed?: Pick<Filters, 'category'>;
  /** Defaults to a title that reflects the scope the backend answered with. */
  title?: string;
  /** File name (without date) of the CSV export; the server's name otherwise. */
  exportFilenameBase?: string;
}

/**
 * Findings with server-side paging, sorting and filters. Its state (filters, sort, page and
 * the finding open in the drawer) lives in the URL, so a view can be shared as a link.
 */
export function FindingsTable(props: FindingsTableProps) {
  const { fixed, title, exportFilenameBase } = props;
  const classes = useStyles();
  const { state, update, reset } = useFindingsUrlState();
  const drawer = useFindingDrawerParam();

  const query: FindingsQuery = useMemo(
    () => ({ ...tableStateToQuery(state), ...fixed }),
    [state, fixed],
  );
  const exportQuery = useMemo(
    () => ({
      ...filtersToQuery(state),
      ...fixed,
    }),
    [state, fixed],
  );
  const { data, error, isLoading, isFetching, isPlaceholderData } =
    useFindings(query, { enabled: !state.grouped });

  // A shared link, a reload after a scan or `?page=999` may point past the last page: once
  // the total of this query is known, go to the last page instead. That only normalises
  // the URL, so it replaces the history entry rather than adding one.
  const lastPage =
    data && !isPlaceholderData && !state.grouped
      ? lastPageOf(data.totalItems, state.pageSize)
      : undefined;
  const pastLastPage = lastPage !== undefined && state.page > lastPage;
  useEffect(() => {
    if (lastPage !== undefined && state.page > lastPage) {
      update({ page: lastPage }, { replace: true });
    }
  }, [lastPage, state.page, update]);

  const onFiltersChange = useCallback(
    (patch: Partial<Filters>) => update(patch),
    [update],
  );
  const onGroupsPage = useCallback(
    (patch: { page?: number; pageSize?: number }, replace?: boolean) =>
      update(patch, { replace }),
    [update],
  );
  // A group's targets are the list filtered to its check, with its title as the text query
  // (which also matches findings of that check whose message or locator contains the title).
  const openGroup = useCallback(
    (group: FindingGroup) =>
      update({
        grouped: false,
        checkId: [group.checkId],
        text: group.title.slice(0, 200),
      }),
    [update],
  );

  const columns: Column[] = [
    {
      id: 'severity',
      title: 'Severity',
      sortField: 'severity',
      minWidth: 96,
      render: f => <SeverityChip severity={f.severity} />,
    },
    {
      id: 'title',
      title: 'Finding',
      minWidth: 240,
      render: f => (
        <>
          <MuiLink
            component="button"
            variant="body2"
            className={classes.title}
            onClick={(event: React.MouseEvent) => {
              event.stopPropagation();
              drawer.open(f.fingerprint);
            }}
            data-testid={`finding-open-${f.fingerprint}`}
          >
            {f.title}
          </MuiLink>
          {f.message && f.message !== f.title ? (
            <Typography variant="caption" color="textSecondary" component="p">
              {f.message}
            </Typography>
          ) : null}
          <Locator text={f.checkId} />
        </>
      ),
    },
    {
      id: 'category',
      title: 'Category',
      sortField: 'category',
      render: f => categoryLabel(f.category),
    },
    {
      id: 'target',
      title: 'Target',
      sortField: 'entityRef',
      minWidth: 200,
      render: f => (
        <>
          {f.entityRef ? (
            <EntityRefLink entityRef={f.entityRef} />
          ) : (
            describeTarget(f.target)
          )}
          {f.location ? <Locator text={f.location} /> : null}
        </>
      ),
    },
    {
      id: 'owners',
      title: 'Owners',
      minWidth: 160,
      render: f => <Owners owners={f.owners} />,
    },
    {
      id: 'firstSeenAt',
      title: 'First seen',
      sortField: 'firstSeenAt',
      render: f => (
        <span className={classes.nowrap}>{formatDate(f.firstSeenAt)}</span>
      ),
    },
  ];
  if (state.status !== 'open') {
    columns.push({
      id: 'status',
      title: 'Status',
      render: f => statusText(f),
    });
  }

  // Severity sorts by rank: ascending is worst first, which the arrow shows as "descending".
  const arrowDirection = (field: FindingSortField): 'asc' | 'desc' => {
    if (field === 'severity') return state.order === 'asc' ? 'desc' : 'asc';
    return state.order;
  };
  const onSort = (field: FindingSortField) => {
    if (state.orderBy === field) {
      update({ order: state.order === 'asc' ? 'desc' : 'asc' });
    } else {
      // Dates newest first, severity worst first, names A–Z.
      const order =
        field === 'firstSeenAt' || field === 'lastSeenAt' ? 'desc' : 'asc';
      update({ orderBy: field, order });
    }
  };

  const hasFilters =
    state.severity.length +
      state.owner.length +
      state.kind.length +
      state.checkId.length +
      state.category.length >
      0 ||
    Boolean(state.text) ||
    state.status !== 'open';
  const scopeTitle =
    data?.scope === 'mine' ? 'Findings of my entities' : 'Findings';
  const rows = data?.items ?? [];
  const selected = rows.find(r => r.fingerprint === drawer.fingerprint);

  let emptyText = 'No open findings.';
  if (hasFilters) emptyText = 'No findings match these filters.';
  else if (data?.scope === 'mine')
    emptyText = 'No open findings in the entities you may see in detail.';

  return (
    <Paper data-testid="findings-table">
      <Toolbar className={classes.toolbar}>
        <Typography variant="h6" component="h2">
          {title ?? scopeTitle}
          {data && !state.grouped ? (
            <Typography
              component="span"
              variant="body2"
              color="textSecondary"
              data-testid="findings-total"
            >
              {' '}
              ({data.totalItems})
            </Typography>
          ) : null}
        </Typography>
        <FormControlLabel
          control={
            <Switch
              size="small"
              color="primary"
              checked={state.grouped}
              onChange={event => update({ grouped: event.target.checked })}
              inputProps={{ 'aria-label': 'Group identical findings' }}
            />
          }
          label="Group identical findings"
          data-testid="findings-group-toggle"
        />
        <ExportCsvButton
          query={exportQuery}
          filenameBase={exportFilenameBase}
          size="small"
          label="Export CSV (current filters)"
          data-testid="findings-export-csv"
        />
      </Toolbar>
      <FindingsFilters
        filters={state}
        onChange={onFiltersChange}
        onReset={reset}
        hide={fixed?.category ? ['category'] : []}
        scope={data?.scope}
      />
      {state.grouped ? (
        <FindingGroupsTable
          query={exportQuery}
          page={state.page}
          pageSize={state.pageSize}
          onPage={onGroupsPage}
          onOpen={openGroup}
          emptyText={emptyText}
          onReset={hasFilters ? reset : undefined}
        />
      ) : null}
      {!state.grouped ? (
        <div className={classes.progress}>
          {isFetching ? <LinearProgress aria-label="Loading findings" /> : null}
        </div>
      ) : null}
      {!state.grouped && error ? (
        <Box p={2}>
          <ResponseErrorPanel error={error} title="Could not load findings" />
        </Box>
      ) : null}
      {!state.grouped && !error ? (
        <>
          <TableContainer>
            <Table size="small" aria-label={title ?? scopeTitle}>
              <TableHead>
                <TableRow>
                  {columns.map(column => (
                    <TableCell
                      key={column.id}
                      className={classes.nowrap}
                      style={
                        column.minWidth
                          ? { minWidth: column.minWidth }
                          : undefined
                      }
                      data-testid={`column-${column.id}`}
                      sortDirection={
                        column.sortField && state.orderBy === column.sortField
                          ? arrowDirection(column.sortField)
                          : false
                      }
                    >
                      {column.sortField ? (
                        <TableSortLabel
                          active={state.orderBy === column.sortField}
                          direction={arrowDirection(column.sortField)}
                          onClick={() => onSort(column.sortField!)}
                          data-testid={`sort-${column.id}`}
                        >
                          {column.title}
                        </TableSortLabel>
                      ) : (
                        column.title
                      )}
                    </TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.map(finding => (
                  <TableRow
                    key={finding.fingerprint}
                    hover
                    className={classes.row}
                    onClick={event => {
                      // Links inside the row (entity, owners) navigate instead.
                      if ((event.target as HTMLElement).closest('a')) return;
                      drawer.open(finding.fingerprint);
                    }}
                    data-testid={`finding-row-${finding.fingerprint}`}
                  >
                    {columns.map(column => (
                      <TableCell key={column.id}>
                        {column.render(finding)}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          <PagedTableFooter
            testIdPrefix="findings"
            empty={!isLoading && !pastLastPage && rows.length === 0}
            emptyText={emptyText}
            onReset={hasFilters ? reset : undefined}
            totalItems={data?.totalItems}
            page={state.page}
            pageSize={state.pageSize}
            onPageChange={page => update({ page })}
            onPageSizeChange={pageSize => update({ pageSize })}
            loadingText="Loading findings…"
          />
        </>
      ) : null}
      <FindingDrawer
        fingerprint={drawer.fingerprint}
        initial={selected}
        onClose={drawer.close}
      />
    </Paper>
  );
}
