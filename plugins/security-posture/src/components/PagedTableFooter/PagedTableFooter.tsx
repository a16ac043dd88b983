import Button from '@material-ui/core/Button';
import TablePagination from '@material-ui/core/TablePagination';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { PAGE_SIZES } from '../../hooks';

const useStyles = makeStyles(theme => ({
  empty: {
    padding: theme.spacing(4, 2),
    textAlign: 'center',
  },
  paginationLoading: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'flex-end',
    minHeight: 52,
    padding: theme.spacing(0, 2),
  },
}));

/** The last page that has rows (0 when there are none). */
export function lastPageOf(totalItems: number, pageSize: number): number {
  return Math.max(0, Math.ceil(totalItems / pageSize) - 1);
}

export interface PagedTableFooterProps {
  /** `<prefix>-empty` and `<prefix>-pagination-loading` are the test ids. */
  testIdPrefix: string;
  /** Nothing is loading, there are no rows and the page is not past the last one. */
  empty: boolean;
  emptyText: string;
  /** Offers "Clear filters" in the empty state. */
  onReset?: () => void;
  /** The total of the query; undefined until the first answer. */
  totalItems?: number;
  page: number;
  pageSize: number;
  onPageChange: (page: number) => void;
  onPageSizeChange: (pageSize: number) => void;
  /** Shown instead of the pagination until the total is known (else nothing is). */
  loadingText?: string;
}

/** Below a server-paged table: the empty state and the pagination. */
export function PagedTableFooter(props: PagedTableFooterProps) {
  const {
    testIdPrefix,
    empty,
    emptyText,
    onReset,
    totalItems,
    page,
    pageSize,
    onPageChange,
    onPageSizeChange,
    loadingText,
  } = props;
  const classes = useStyles();
  let pagination: React.ReactNode = null;
  if (totalItems !== undefined) {
    pagination = (
      <TablePagination
        component="div"
        count={totalItems}
        // Never past the last page (MUI warns), also while the URL is being corrected.
        page={Math.min(page, lastPageOf(totalItems, pageSize))}
        rowsPerPage={pageSize}
        rowsPerPageOptions={PAGE_SIZES}
        onPageChange={(_event, next) => onPageChange(next)}
        onRowsPerPageChange={event =>
          onPageSizeChange(Number(event.target.value))
        }
      />
    );
  } else if (loadingText !== undefined) {
    // Until the first answer the total is unknown: no "0-0 of 0".
    pagination = (
      <div
        className={classes.paginationLoading}
        data-testid={`${testIdPrefix}-pagination-loading`}
      >
        <Typography variant="body2" color="textSecondary">
          {loadingText}
        </Typography>
      </div>
    );
  }
  return (
    <>
      {empty ? (
        <div className={classes.empty} data-testid={`${testIdPrefix}-empty`}>
          <Typography variant="body1">{emptyText}</Typography>
          {onReset ? (
            <Button size="small" color="primary" onClick={onReset}>
              Clear filters
            </Button>
          ) : null}
        </div>
      ) : null}
      {pagination}
    </>
  );
}
