import Box from '@material-ui/core/Box';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import {
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useLocation } from 'react-router-dom';
import { Finding } from '@security-posture/plugin-security-posture-common';
import { useFinding } from '../../hooks';
import { FindingDetails } from '../FindingDetails';
import { ExemptButton } from '../ExemptionDialog';
import { RemediationSnippets } from '../RemediationSnippets';
import { RescanCheckButton } from './RescanCheckButton';
import { useSecurityPageLink } from '../SecurityPage/SecurityPageContext';
import { URL_PARAMS } from '../../hooks/useFindingsUrlState';
import { errorStatus } from '../../utils/errors';

/**
 * The API answers 404 both for a finding that does not exist and for one the caller may not
 * see (it never reveals which): say so instead of showing a failure.
 */
function FindingNotAvailable(props: { fingerprint: string }) {
  return (
    <div data-testid="finding-not-available">
      <EmptyState
        missing="info"
        title="Finding not found, or not yours to see"
        description={
          <>
            No finding <code>{props.fingerprint}</code> is visible to you. It
            may have been resolved and purged, the link may be mistyped, or it
            belongs to an entity whose details you may not see (without the
            platform team&apos;s access you see the findings of your own
            entities only).
          </>
        }
      />
    </div>
  );
}

const useStyles = makeStyles(theme => ({
  paper: {
    width: 'min(640px, 100vw)',
    padding: theme.spacing(2, 3, 3),
  },
  header: {
    display: 'flex',
    alignItems: 'flex-start',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
}));

/**
 * The details of one finding in a side drawer. Opened from a table row or the "what holds
 * the grade down" list; the finding is fetched so that a shared URL opens it too.
 */
export function FindingDrawer(props: {
  fingerprint?: string;
  /** The row the user clicked, shown while the full record loads. */
  initial?: Finding;
  onClose: () => void;
  /** How often a rescan started here is polled (tests shorten it). */
  pollIntervalMs?: number;
}) {
  const { fingerprint, initial, onClose, pollIntervalMs } = props;
  const classes = useStyles();
  const { data, error, isLoading } = useFinding(fingerprint, {
    placeholder: initial,
  });
  const pageLink = useSecurityPageLink();
  const location = useLocation();
  let checkLink: string | undefined;
  if (data) {
    const params = new URLSearchParams([
      [URL_PARAMS.checkId, data.checkId],
      [URL_PARAMS.status, 'all'],
    ]);
    // Outside the Security page (e.g. a table embedded elsewhere) the table on this page filters.
    checkLink =
      pageLink('findings', params) ?? `${location.pathname}?${params}`;
  }

  return (
    <Drawer
      anchor="right"
      open={Boolean(fingerprint)}
      onClose={onClose}
      classes={{ paper: classes.paper }}
      PaperProps={
        {
          role: 'dialog',
          'aria-labelledby': 'finding-drawer-title',
        } as object
      }
      data-testid="finding-drawer"
    >
      <div className={classes.header}>
        <Typography variant="overline" id="finding-drawer-title" component="h2">
          Finding details
        </Typography>
        <IconButton
          aria-label="Close finding details"
          onClick={onClose}
          size="small"
          data-testid="finding-drawer-close"
        >
          <CloseIcon />
        </IconButton>
      </div>
      {isLoading && !data ? <Progress /> : null}
      {error && !data && fingerprint && errorStatus(error) === 404 ? (
        <FindingNotAvailable fingerprint={fingerprint} />
      ) : null}
      {error && !data && errorStatus(error) !== 404 ? (
        <ResponseErrorPanel error={error} title="Could not load the finding" />
      ) : null}
      {data ? (
        <>
          <FindingDetails
            finding={data}
            headingLevel={3}
            remediationExtra={<RemediationSnippets finding={data} />}
          />
          <Box mt={2} display="flex" flexWrap="wrap" style={{ gap: 8 }}>
            <ExemptButton finding={data} />
            <RescanCheckButton
              checkId={data.checkId}
              pollIntervalMs={pollIntervalMs}
            />
          </Box>
          {checkLink ? (
            <Box mt={2}>
              <Typography variant="body2">
                <Link to={checkLink}>All findings of this check</Link>
              </Typography>
            </Box>
          ) : null}
        </>
      ) : null}
    </Drawer>
  );
}
