import { useMemo, useState } from 'react';
import Typography from '@material-ui/core/Typography';
import {
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  Finding,
  FindingsQuery,
} from '@security-posture/plugin-security-posture-common';
import { useFindings } from '../../hooks';
import { SeverityChip } from '../SeverityChip';
import { categoryLabel, describeTarget, formatDate } from '../../utils/format';

const PAGE_SIZES = [10, 25, 50, 100];

const columns: TableColumn<Finding>[] = [
  {
    title: 'Severity',
    field: 'severity',
    width: '110px',
    render: finding => <SeverityChip severity={finding.severity} />,
  },
  {
    title: 'Category',
    field: 'category',
    render: finding => categoryLabel(finding.category),
  },
  {
    title: 'Title',
    field: 'title',
    render: finding => (
      <>
        <Typography variant="body2">{finding.title}</Typography>
        {finding.message && finding.message !== finding.title ? (
          <Typography variant="caption" color="textSecondary">
            {finding.message}
          </Typography>
        ) : null}
      </>
    ),
  },
  {
    title: 'Entity',
    field: 'entityRef',
    render: finding =>
      finding.entityRef ? (
        <EntityRefLink entityRef={finding.entityRef} />
      ) : (
        describeTarget(finding.target)
      ),
  },
  {
    title: 'Location',
    field: 'location',
    render: finding =>
      finding.location ? <code>{finding.location}</code> : '—',
  },
  {
    title: 'First seen',
    field: 'firstSeenAt',
    render: finding => formatDate(finding.firstSeenAt),
  },
];

export interface FindingsTableProps {
  /** Filters applied to every page; defaults to open findings. */
  query?: Omit<FindingsQuery, 'limit' | 'offset'>;
  /** Defaults to a title that reflects the scope the backend answered with. */
  title?: string;
  initialPageSize?: number;
}

/** Findings with server-side paging. */
export function FindingsTable(props: FindingsTableProps) {
  const { title, initialPageSize = 10 } = props;
  const baseQuery = useMemo(
    () => props.query ?? { status: ['open' as const] },
    [props.query],
  );
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState(initialPageSize);

  const { data, error, isLoading, isFetching } = useFindings({
    ...baseQuery,
    limit: pageSize,
    offset: page * pageSize,
  });

  if (error) {
    return <ResponseErrorPanel error={error} title="Could not load findings" />;
  }

  const scopeTitle =
    data?.scope === 'mine' ? 'Open findings of my entities' : 'Open findings';

  return (
    <div data-testid="findings-table">
      <Table<Finding>
        title={title ?? scopeTitle}
        columns={columns}
        data={data?.items ?? []}
        isLoading={isLoading || isFetching}
        page={page}
        totalCount={data?.totalItems ?? 0}
        onPageChange={setPage}
        onRowsPerPageChange={size => {
          setPageSize(size);
          setPage(0);
        }}
        options={{
          paging: true,
          pageSize,
          pageSizeOptions: PAGE_SIZES,
          search: false,
          sorting: false,
          padding: 'dense',
          emptyRowsWhenPaging: false,
        }}
        emptyContent={
          <Typography
            variant="body2"
            style={{ padding: 16 }}
            data-testid="findings-empty"
          >
            No open findings.
          </Typography>
        }
      />
    </div>
  );
}
