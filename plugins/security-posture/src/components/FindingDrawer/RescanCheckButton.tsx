import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import RefreshIcon from '@material-ui/icons/Refresh';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Scan,
  securityPostureScanCreatePermission,
} from '@security-posture/plugin-security-posture-common';
import { isScanActive, useChecks, useScanNow } from '../../hooks';
import { errorMessage } from '../../utils/errors';
import { scanStatusLabel } from '../../utils/format';

function statusText(scan: Scan): string {
  if (scan.status === 'queued') return 'Rescan queued: waiting to start…';
  if (isScanActive(scan.status)) {
    const { done, total } = scan.progress;
    return total > 0
      ? `Rescanning this check: ${done} of ${total} done`
      : 'Rescanning this check…';
  }
  return `Rescan ${scanStatusLabel(scan.status).toLocaleLowerCase('en-US')}${
    scan.message ? `: ${scan.message}` : ''
  }`;
}

/**
 * "Rescan this check": for those who may start scans (as "Scan now"), a scan of only this
 * finding's check, e.g. to verify a fix. Other checks' findings are left as they are; when it
 * finishes, the finding and the report are read again. Only enabled checks can be scanned.
 */
export function RescanCheckButton(props: {
  checkId: string;
  pollIntervalMs?: number;
}) {
  const { checkId, pollIntervalMs } = props;
  const permission = usePermission({
    permission: securityPostureScanCreatePermission,
  });
  const { data: checks } = useChecks();
  const rescan = useScanNow({ checkIds: [checkId], pollIntervalMs });
  const check = checks?.find(c => c.id === checkId);
  if (permission.loading || !permission.allowed || !check?.enabled) {
    return null;
  }
  const { scan, isScanning, error } = rescan;
  const active = scan && isScanActive(scan.status) ? scan : undefined;
  const progress =
    active && active.progress.total > 0
      ? Math.round((100 * active.progress.done) / active.progress.total)
      : undefined;
  return (
    <Box data-testid="rescan-check">
      <Button
        size="small"
        variant="outlined"
        startIcon={
          isScanning ? (
            <CircularProgress size={14} color="inherit" aria-hidden />
          ) : (
            <RefreshIcon fontSize="small" />
          )
        }
        onClick={rescan.start}
        disabled={isScanning}
        data-testid="rescan-check-button"
      >
        {isScanning ? 'Rescanning…' : 'Rescan this check'}
      </Button>
      {error ? (
        <Typography
          variant="body2"
          color="error"
          role="alert"
          data-testid="rescan-check-error"
        >
          Rescan could not start: {errorMessage(error)}
        </Typography>
      ) : null}
      {!error && scan ? (
        <Typography
          variant="body2"
          color="textSecondary"
          aria-live="polite"
          data-testid="rescan-check-status"
        >
          {statusText(scan)}
        </Typography>
      ) : null}
      {active ? (
        <LinearProgress
          variant={progress === undefined ? 'indeterminate' : 'determinate'}
          value={progress}
          aria-label={statusText(active)}
        />
      ) : null}
    </Box>
  );
}
