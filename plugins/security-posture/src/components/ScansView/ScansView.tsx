import { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TablePagination from '@material-ui/core/TablePagination';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  Scan,
  ScanChangeType,
  SCAN_CHANGE_TYPES,
} from '@security-posture/plugin-security-posture-common';
import {
  isScanActive,
  useFindingDrawerParam,
  useScanChanges,
  useScans,
} from '../../hooks';
import { formatDateTime, scanStatusLabel } from '../../utils/format';
import { FindingDrawer } from '../FindingDrawer';
import { ChangesSinceCard } from './ChangesSinceCard';
import {
  changeCountsText,
  changeLabel,
  NoChangesNote,
  ScanChangeList,
} from '../ScanChanges';

/** Changes per page of the selected scan. */
export const CHANGES_PAGE_SIZE = 25;

/** URL parameters of the view: the selected scan, the change filter and the page. */
export const SCANS_URL_PARAMS = {
  scan: 'scan',
  change: 'change',
  page: 'page',
} as const;

const useStyles = makeStyles(theme => ({
  row: {
    cursor: 'pointer',
  },
  selected: {
    boxShadow: `inset 4px 0 0 ${theme.palette.primary.main}`,
  },
  nowrap: {
    whiteSpace: 'nowrap',
  },
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
}));

function isChangeType(value: string | null): value is ScanChangeType {
  return (SCAN_CHANGE_TYPES as readonly string[]).includes(value ?? '');
}

/** The view's state in the URL; every change is a history entry (Back returns to it). */
function useScansUrlState() {
  const [params, setParams] = useSearchParams();
  const change = params.get(SCANS_URL_PARAMS.change);
  const page = Number(params.get(SCANS_URL_PARAMS.page) ?? 0);
  const update = useCallback(
    (
      patch: Partial<Record<keyof typeof SCANS_URL_PARAMS, string | undefined>>,
    ) =>
      setParams(current => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(patch)) {
          const name = SCANS_URL_PARAMS[key as keyof typeof SCANS_URL_PARAMS];
          if (value === undefined) next.delete(name);
          else next.set(name, value);
        }
        return next;
      }),
    [setParams],
  );
  return {
    scanId: params.get(SCANS_URL_PARAMS.scan) ?? undefined,
    change: isChangeType(change) ? change : undefined,
    page: Number.isInteger(page) && page >= 0 ? page : 0,
    update,
  };
}

function ScanChangesPanel(props: {
  scan: Scan;
  change?: ScanChangeType;
  page: number;
  onFilter: (change?: ScanChangeType) => void;
  onPage: (page: number) => void;
  onOpen: (fingerprint: string) => void;
}) {
  const { scan, change, page, onFilter, onPage, onOpen } = props;
  const classes = useStyles();
  const { data, error, isLoading } = useScanChanges(
    scan.id,
    {
      change: change ? [change] : undefined,
      limit: CHANGES_PAGE_SIZE,
      offset: page * CHANGES_PAGE_SIZE,
    },
    { running: isScanActive(scan.status) },
  );

  let body;
  if (isLoading) {
    body = <Progress />;
  } else if (error || !data) {
    body = (
      <ResponseErrorPanel
        error={error ?? new Error('No changes received')}
        title="Could not load what the scan changed"
      />
    );
  } else {
    const total = SCAN_CHANGE_TYPES.reduce((sum, c) => sum + data.counts[c], 0);
    // A page past the end (a stale link): show the last one instead of an empty list.
    const lastPage = Math.max(
      0,
      Math.ceil(data.totalItems / CHANGES_PAGE_SIZE) - 1,
    );
    body = (
      <>
        <div className={classes.filters} role="group" aria-label="Change">
          <Chip
            label={`All: ${total}`}
            color={change ? 'default' : 'primary'}
            onClick={() => onFilter(undefined)}
            data-testid="scan-change-filter-all"
          />
          {SCAN_CHANGE_TYPES.map(type => (
            <Chip
              key={type}
              label={`${changeLabel(type)}: ${data.counts[type]}`}
              color={change === type ? 'primary' : 'default'}
              onClick={() => onFilter(type)}
              data-testid={`scan-change-filter-${type}`}
            />
          ))}
        </div>
        {total === 0 ? (
          <NoChangesNote baseline={data.baseline} recorded={data.recorded} />
        ) : (
          <>
            <ScanChangeList
              changes={data.items}
              onOpen={onOpen}
              data-testid="scan-changes-list"
            />
            <TablePagination
              component="div"
              count={data.totalItems}
              page={Math.min(page, lastPage)}
              rowsPerPage={CHANGES_PAGE_SIZE}
              rowsPerPageOptions={[CHANGES_PAGE_SIZE]}
              onPageChange={(_, next) => onPage(next)}
            />
          </>
        )}
      </>
    );
  }
  return (
    <InfoCard
      title={`Changes of the scan of ${formatDateTime(
        scan.finishedAt ?? scan.startedAt ?? scan.createdAt,
      )}`}
      subheader="Against the scan before it: new, reopened, resolved and re-rated findings, most severe first"
    >
      <div data-testid="scan-changes-panel">{body}</div>
    </InfoCard>
  );
}

/** What each recent scan changed: pick a scan to list its changes. */
export function ScansView() {
  const classes = useStyles();
  const scans = useScans();
  const state = useScansUrlState();
  const drawer = useFindingDrawerParam();

  if (scans.isLoading) return <Progress />;
  if (scans.error || !scans.data) {
    return (
      <ResponseErrorPanel
        error={scans.error ?? new Error('No scans received')}
        title="Could not load the scans"
      />
    );
  }
  const items = scans.data;
  const selected =
    items.find(s => s.id === state.scanId) ??
    items.find(s => !isScanActive(s.status)) ??
    items[0];

  return (
    <Grid container spacing={3} data-testid="scans-view">
      <Grid item xs={12} lg={5}>
        <InfoCard
          title="Recent scans"
          subheader="Newest first; select one to see what it changed"
        >
          {items.length === 0 ? (
            <Typography variant="body2" color="textSecondary">
              No scans yet.
            </Typography>
          ) : (
            <TableContainer>
              <Table size="small" aria-label="Recent scans">
                <TableHead>
                  <TableRow>
                    <TableCell>Scan</TableCell>
                    <TableCell>Status</TableCell>
                    <TableCell>Changes</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {items.map(scan => (
                    <TableRow
                      key={scan.id}
                      hover
                      selected={scan.id === selected?.id}
                      className={`${classes.row} ${
                        scan.id === selected?.id ? classes.selected : ''
                      }`}
                      onClick={() =>
                        state.update({
                          scan: scan.id,
                          change: undefined,
                          page: undefined,
                        })
                      }
                      data-testid={`scan-row-${scan.id}`}
                    >
                      <TableCell className={classes.nowrap}>
                        {formatDateTime(scan.startedAt ?? scan.createdAt)}
                        <Typography
                          variant="caption"
                          color="textSecondary"
                          display="block"
                        >
                          {scan.trigger === 'manual'
                            ? 'Started by hand'
                            : 'Scheduled'}
                        </Typography>
                        {scan.checkIds ? (
                          <Typography
                            variant="caption"
                            color="textSecondary"
                            display="block"
                            data-testid={`scan-row-checks-${scan.id}`}
                          >
                            Only {scan.checkIds.join(', ')}
                          </Typography>
                        ) : null}
                      </TableCell>
                      <TableCell>{scanStatusLabel(scan.status)}</TableCell>
                      <TableCell data-testid={`scan-row-changes-${scan.id}`}>
                        {scan.changes?.recorded
                          ? changeCountsText(scan.changes.counts)
                          : '—'}
                        {scan.changes?.baseline ? ' (first scan)' : ''}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} lg={7}>
        {selected ? (
          <ScanChangesPanel
            scan={selected}
            change={state.change}
            page={state.page}
            onFilter={change =>
              state.update({ scan: selected.id, change, page: undefined })
            }
            onPage={page =>
              state.update({ scan: selected.id, page: String(page) })
            }
            onOpen={drawer.open}
          />
        ) : null}
      </Grid>
      <Grid item xs={12}>
        <ChangesSinceCard onOpen={drawer.open} />
      </Grid>
      <FindingDrawer fingerprint={drawer.fingerprint} onClose={drawer.close} />
    </Grid>
  );
}
