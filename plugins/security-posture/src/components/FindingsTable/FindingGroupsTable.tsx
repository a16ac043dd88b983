import { useEffect } from 'react';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import MuiLink from '@material-ui/core/Link';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import { makeStyles } from '@material-ui/core/styles';
import { ResponseErrorPanel } from '@backstage/core-components';
import {
  FindingGroup,
  FindingsQuery,
} from '@security-posture/plugin-security-posture-common';
import { useFindingGroups } from '../../hooks';
import { SeverityChip } from '../SeverityChip';
import { Locator } from '../Locator';
import { lastPageOf, PagedTableFooter } from '../PagedTableFooter';
import { categoryLabel } from '../../utils/format';

const useStyles = makeStyles({
  row: { cursor: 'pointer' },
  title: { textAlign: 'left', fontWeight: 500 },
  progress: { height: 2 },
});

export interface FindingGroupsTableProps {
  /** The list's filters, without sorting (groups are worst first). */
  query: FindingsQuery;
  page: number;
  pageSize: number;
  onPage: (patch: { page?: number; pageSize?: number }, replace?: boolean) => void;
  /** Shows the findings of one group (the list, filtered to it). */
  onOpen: (group: FindingGroup) => void;
  emptyText: string;
  onReset?: () => void;
}

/** One row per check id and title: worst severity, category and number of targets. */
export function FindingGroupsTable(props: FindingGroupsTableProps) {
  const { query, page, pageSize, onPage, onOpen, emptyText, onReset } = props;
  const classes = useStyles();
  const { data, error, isLoading, isFetching, isPlaceholderData } = useFindingGroups({
    ...query,
    limit: pageSize,
    offset: page * pageSize,
  });

  // As in the list: a link past the last page goes to the last page (replacing the entry).
  const lastPage = data && !isPlaceholderData ? lastPageOf(data.totalItems, pageSize) : undefined;
  useEffect(() => {
    if (lastPage !== undefined && page > lastPage) onPage({ page: lastPage }, true);
  }, [lastPage, page, onPage]);

  if (error) {
    return (
      <Box p={2}>
        <ResponseErrorPanel error={error} title="Could not load the finding groups" />
      </Box>
    );
  }
  const rows = data?.items ?? [];
  return (
    <>
      <div className={classes.progress}>
        {isFetching ? <LinearProgress aria-label="Loading finding groups" /> : null}
      </div>
      <TableContainer>
        <Table size="small" aria-label="Finding groups">
          <TableHead>
            <TableRow>
              <TableCell>Worst severity</TableCell>
              <TableCell>Finding</TableCell>
              <TableCell>Category</TableCell>
              <TableCell align="right">Targets</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map(group => {
              const key = `${group.checkId}\n${group.title}`;
              return (
                <TableRow
                  key={key}
                  hover
                  className={classes.row}
                  onClick={() => onOpen(group)}
                  data-testid="finding-group-row"
                >
                  <TableCell>
                    <SeverityChip severity={group.severity} />
                  </TableCell>
                  <TableCell>
                    <MuiLink
                      component="button"
                      variant="body2"
                      className={classes.title}
                      title="Show the findings of this group"
                      onClick={(event: React.MouseEvent) => {
                        event.stopPropagation();
                        onOpen(group);
                      }}
                    >
                      {group.title}
                    </MuiLink>
                    <Locator text={group.checkId} />
                  </TableCell>
                  <TableCell>{categoryLabel(group.category)}</TableCell>
                  <TableCell align="right">{group.targets}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      <PagedTableFooter
        testIdPrefix="finding-groups"
        empty={!isLoading && rows.length === 0 && !(lastPage !== undefined && page > lastPage)}
        emptyText={emptyText}
        onReset={onReset}
        totalItems={data?.totalItems}
        page={page}
        pageSize={pageSize}
        onPageChange={next => onPage({ page: next })}
        onPageSizeChange={next => onPage({ pageSize: next })}
      />
    </>
  );
}
