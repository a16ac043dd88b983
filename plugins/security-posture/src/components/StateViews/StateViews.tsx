import Typography from '@material-ui/core/Typography';
import { EmptyState } from '@backstage/core-components';
import { Scan } from '@security-posture/plugin-security-posture-common';
import { isScanActive } from '../../hooks';
import { formatDateTime, scanStatusLabel } from '../../utils/format';

/** Before the first completed scan there is nothing to grade. */
export function NoScanYet(props: { canScan: boolean; scan?: Scan }) {
  const { canScan, scan } = props;
  let description = canScan
    ? 'Press "Scan now" to grade this deployment.'
    : 'The deployment is graded after the first scheduled scan.';
  if (scan && isScanActive(scan.status)) {
    description = 'The first scan is running: results appear when it ends.';
  } else if (scan) {
    description = `The last scan ended ${scanStatusLabel(
      scan.status,
    ).toLocaleLowerCase('en-US')} at ${formatDateTime(
      scan.finishedAt ?? scan.createdAt,
    )}${scan.message ? `: ${scan.message}` : ''}. ${description}`;
  }
  return (
    <div data-testid="no-scan-yet">
      <EmptyState
        missing="data"
        title="No completed scan yet"
        description={description}
      />
    </div>
  );
}

/** A check has not published data for a view yet (no scan since it was added, or it errored). */
export function NotPublishedYet(props: { what: string; checkId: string }) {
  return (
    <div data-testid="not-published">
      <EmptyState
        missing="data"
        title={`No ${props.what} yet`}
        description={
          <Typography variant="body2" component="span">
            The check <code>{props.checkId}</code> has not published its
            results. They appear after the next scan; if they still do not, look
            for an errored run of this check in the findings.
          </Typography>
        }
      />
    </div>
  );
}
