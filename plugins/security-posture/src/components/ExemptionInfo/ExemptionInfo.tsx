import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { Link } from '@backstage/core-components';
import { Exemption } from '@security-posture/plugin-security-posture-common';
import { formatDate, formatDateTime } from '../../utils/format';
import {
  describeExemptionScope,
  exemptionKindLabel,
  safeTicketUrl,
} from '../../utils/exemptions';

const useStyles = makeStyles(theme => ({
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: theme.spacing(1, 0, 0),
    '& dt': { fontWeight: 600 },
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
  },
  reason: {
    whiteSpace: 'pre-wrap',
  },
}));

/**
 * The exemption a finding carries: active (the finding does not count) or expired (it counts
 * again). Reason and ticket are user input and rendered as text (the ticket as an http(s) link).
 */
export function ExemptionInfo(props: { exemption: Exemption }) {
  const { exemption } = props;
  const classes = useStyles();
  const ticket = safeTicketUrl(exemption);
  const active = exemption.state === 'active';
  return (
    <Alert
      severity={active ? 'info' : 'warning'}
      data-testid={`exemption-info-${exemption.state}`}
    >
      <Typography variant="body2">
        {active
          ? `Exempted (${exemptionKindLabel(exemption.kind)}): this finding does not count toward the score or the grade.`
          : `The exemption expired on ${formatDate(exemption.expiresAt)}: this finding counts again.`}
      </Typography>
      <dl className={classes.facts} aria-label="Exemption">
        <dt>Reason</dt>
        <dd className={classes.reason}>{exemption.reason}</dd>
        <dt>Covers</dt>
        <dd>{describeExemptionScope(exemption.scope)}</dd>
        <dt>By</dt>
        <dd>
          {exemption.createdBy}, {formatDateTime(exemption.createdAt)}
        </dd>
        <dt>{active ? 'Until' : 'Expired'}</dt>
        <dd>{exemption.expiresAt ? formatDate(exemption.expiresAt) : 'No expiry'}</dd>
        {ticket ? (
          <>
            <dt>Ticket</dt>
            <dd>
              <Link to={ticket} target="_blank" rel="noopener noreferrer">
                {ticket}
              </Link>
            </dd>
          </>
        ) : null}
      </dl>
    </Alert>
  );
}
