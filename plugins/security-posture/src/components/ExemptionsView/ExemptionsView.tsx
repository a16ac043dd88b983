import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TablePagination from '@material-ui/core/TablePagination';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  Exemption,
  ExemptionsQuery,
} from '@security-posture/plugin-security-posture-common';
import { useExemptions, useRevokeExemption } from '../../hooks';
import { formatDate, formatDateTime } from '../../utils/format';
import { errorMessage } from '../../utils/errors';
import {
  daysUntil,
  describeExemptionScope,
  exemptionKindLabel,
  exemptionStateLabel,
  safeTicketUrl,
} from '../../utils/exemptions';

/** Days ahead that count as "expiring soon". */
export const EXPIRING_SOON_DAYS = 30;

/** The filters of the view, as the API's queries. */
export const EXEMPTION_FILTERS: Array<{
  id: string;
  label: string;
  query: ExemptionsQuery;
}> = [
  { id: 'active', label: 'Active', query: { state: ['active'] } },
  {
    id: 'expiring',
    label: `Expiring within ${EXPIRING_SOON_DAYS} days`,
    query: { expiringWithinDays: EXPIRING_SOON_DAYS },
  },
  { id: 'expired', label: 'Expired', query: { state: ['expired'] } },
  { id: 'revoked', label: 'Revoked', query: { state: ['revoked'] } },
  { id: 'all', label: 'All', query: {} },
];

const PAGE_SIZE = 25;

const useStyles = makeStyles(theme => ({
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  reason: {
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    maxWidth: 360,
  },
  nowrap: {
    whiteSpace: 'nowrap',
  },
}));

function Expiry(props: { exemption: Exemption }) {
  const { exemption } = props;
  if (!exemption.expiresAt) return <>No expiry</>;
  if (exemption.state !== 'active') return <>{formatDate(exemption.expiresAt)}</>;
  const days = daysUntil(exemption.expiresAt);
  return (
    <>
      {formatDate(exemption.expiresAt)}
      {days <= EXPIRING_SOON_DAYS ? (
        <Typography variant="caption" color="error" display="block">
          in {days} day{days === 1 ? '' : 's'}
        </Typography>
      ) : null}
    </>
  );
}

function ExemptionRow(props: {
  exemption: Exemption;
  onRevoke: (exemption: Exemption) => void;
  revoking: boolean;
}) {
  const { exemption, onRevoke, revoking } = props;
  const classes = useStyles();
  const ticket = safeTicketUrl(exemption);
  return (
    <TableRow data-testid={`exemption-row-${exemption.id}`}>
      <TableCell>{describeExemptionScope(exemption.scope)}</TableCell>
      <TableCell className={classes.nowrap}>
        {exemptionKindLabel(exemption.kind)}
      </TableCell>
      <TableCell className={classes.reason}>
        {exemption.reason}
        {ticket ? (
          <Typography variant="caption" display="block">
            <Link to={ticket} target="_blank" rel="noopener noreferrer">
              Ticket
            </Link>
          </Typography>
        ) : null}
      </TableCell>
      <TableCell>
        {exemption.createdBy}
        <Typography variant="caption" color="textSecondary" display="block">
          {formatDateTime(exemption.createdAt)}
        </Typography>
      </TableCell>
      <TableCell className={classes.nowrap}>
        <Expiry exemption={exemption} />
      </TableCell>
      <TableCell>
        <Chip
          size="small"
          variant={exemption.state === 'active' ? 'default' : 'outlined'}
          label={exemptionStateLabel(exemption.state)}
        />
        {exemption.state === 'revoked' ? (
          <Typography variant="caption" color="textSecondary" display="block">
            by {exemption.revokedBy}, {formatDate(exemption.revokedAt)}
          </Typography>
        ) : null}
      </TableCell>
      <TableCell>
        {exemption.state === 'revoked' ? null : (
          <Button
            size="small"
            onClick={() => onRevoke(exemption)}
            disabled={revoking}
            data-testid={`revoke-${exemption.id}`}
          >
            Revoke
          </Button>
        )}
      </TableCell>
    </TableRow>
  );
}

/**
 * Every exemption the caller may see, active ones first (soonest expiry first), with filters
 * for what is expiring soon, expired or revoked, and revocation.
 */
export function ExemptionsView() {
  const classes = useStyles();
  const [filter, setFilter] = useState(EXEMPTION_FILTERS[0].id);
  const [page, setPage] = useState(0);
  const [confirming, setConfirming] = useState<Exemption | undefined>();
  const selected = EXEMPTION_FILTERS.find(f => f.id === filter) ?? EXEMPTION_FILTERS[0];
  const query = { ...selected.query, limit: PAGE_SIZE, offset: page * PAGE_SIZE };
  const { data, error, isLoading } = useExemptions(query);
  const revoke = useRevokeExemption();

  return (
    <InfoCard title="Exemptions">
      <Typography variant="body2" color="textSecondary" paragraph>
        Exempted findings stay visible but do not count toward scores or the
        grade. An exemption stops applying the moment it expires or is
        revoked. Exempt a finding from its details.
      </Typography>
      <div className={classes.filters} role="group" aria-label="Which exemptions">
        {EXEMPTION_FILTERS.map(f => (
          <Chip
            key={f.id}
            label={f.label}
            clickable
            color={f.id === filter ? 'primary' : 'default'}
            onClick={() => {
              setFilter(f.id);
              setPage(0);
            }}
            data-testid={`exemptions-filter-${f.id}`}
          />
        ))}
      </div>
      {confirming ? (
        <Box mb={2}>
          <Alert
            severity="warning"
            data-testid="revoke-confirm"
            action={
              <>
                <Button onClick={() => setConfirming(undefined)}>Cancel</Button>
                <Button
                  color="secondary"
                  disabled={revoke.isPending}
                  onClick={() =>
                    revoke.mutate(confirming.id, {
                      onSettled: () => setConfirming(undefined),
                    })
                  }
                  data-testid="revoke-confirm-button"
                >
                  Revoke
                </Button>
              </>
            }
          >
            Revoke the exemption of {describeExemptionScope(confirming.scope)}?
            Its findings count again at once.
          </Alert>
        </Box>
      ) : null}
      {revoke.error ? (
        <Box mb={2}>
          <Alert severity="error" data-testid="revoke-error">
            Could not revoke: {errorMessage(revoke.error)}
          </Alert>
        </Box>
      ) : null}
      {isLoading ? <Progress /> : null}
      {error ? (
        <ResponseErrorPanel error={error} title="Could not load exemptions" />
      ) : null}
      {data ? (
        <>
          <TableContainer>
            <Table size="small" aria-label="Exemptions">
              <TableHead>
                <TableRow>
                  <TableCell>Covers</TableCell>
                  <TableCell>Kind</TableCell>
                  <TableCell>Reason</TableCell>
                  <TableCell>Created by</TableCell>
                  <TableCell>Expires</TableCell>
                  <TableCell>State</TableCell>
                  <TableCell aria-label="Actions" />
                </TableRow>
              </TableHead>
              <TableBody>
                {data.items.length === 0 ? (
                  <TableRow>
                    <TableCell colSpan={7} data-testid="exemptions-empty">
                      No exemptions match.
                    </TableCell>
                  </TableRow>
                ) : (
                  data.items.map(exemption => (
                    <ExemptionRow
                      key={exemption.id}
                      exemption={exemption}
                      onRevoke={setConfirming}
                      revoking={revoke.isPending}
                    />
                  ))
                )}
              </TableBody>
            </Table>
          </TableContainer>
          <TablePagination
            component="div"
            count={data.totalItems}
            page={page}
            rowsPerPage={PAGE_SIZE}
            rowsPerPageOptions={[PAGE_SIZE]}
            onPageChange={(_event, next) => setPage(next)}
          />
        </>
      ) : null}
    </InfoCard>
  );
}
