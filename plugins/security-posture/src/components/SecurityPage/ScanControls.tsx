import { useEffect, useRef } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import RefreshIcon from '@material-ui/icons/Refresh';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { Scan } from '@security-posture/plugin-security-posture-common';
import { isScanActive } from '../../hooks';
import { errorMessage } from '../../utils/errors';
import { scanStatusLabel } from '../../utils/format';

const useStyles = makeStyles(theme => ({
  bar: {
    padding: theme.spacing(1, 2),
    marginBottom: theme.spacing(2),
    backgroundColor: theme.palette.background.paper,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
  },
  progress: {
    marginTop: theme.spacing(0.5),
  },
  // The header is a dark gradient in every theme: keep the button readable while disabled.
  scanButton: {
    whiteSpace: 'nowrap',
    '&.Mui-disabled': {
      backgroundColor: 'rgba(255, 255, 255, 0.75)',
      color: 'rgba(0, 0, 0, 0.7)',
    },
  },
}));

function progressText(scan: Scan): string {
  if (scan.status === 'queued') return 'Scan queued: waiting to start…';
  const { done, total } = scan.progress;
  return total > 0
    ? `Scan running: ${done} of ${total} checks done`
    : 'Scan running…';
}

/** A live progress bar while any scan runs (started here, elsewhere or by the schedule). */
export function ScanProgress(props: { scan?: Scan }) {
  const { scan } = props;
  const classes = useStyles();
  if (!scan || !isScanActive(scan.status)) return null;
  const { done, total } = scan.progress;
  const value = total > 0 ? Math.round((100 * done) / total) : undefined;
  const text = progressText(scan);
  return (
    <div className={classes.bar} data-testid="scan-progress">
      <Typography variant="body2" aria-live="polite">
        {text}
      </Typography>
      <LinearProgress
        className={classes.progress}
        variant={value === undefined ? 'indeterminate' : 'determinate'}
        value={value}
        aria-label={text}
      />
    </div>
  );
}

/** "Scan now", for those allowed to start scans; reports the outcome when the scan ends. */
export function ScanNowButton(props: {
  start: () => void;
  scan?: Scan;
  isScanning: boolean;
  error?: Error;
}) {
  const { start, scan, isScanning, error } = props;
  const classes = useStyles();
  const alertApi = useApi(alertApiRef);
  const reported = useRef<string>();

  useEffect(() => {
    if (!scan || isScanActive(scan.status) || reported.current === scan.id) {
      return;
    }
    reported.current = scan.id;
    alertApi.post({
      message: `Scan ${scanStatusLabel(scan.status).toLocaleLowerCase(
        'en-US',
      )}${scan.message ? `: ${scan.message}` : ''}`,
      severity: scan.status === 'succeeded' ? 'success' : 'warning',
      display: 'transient',
    });
  }, [alertApi, scan]);

  return (
    <Box display="flex" alignItems="center" style={{ gap: 8 }}>
      {error ? (
        <Typography variant="body2" data-testid="scan-error" role="alert">
          Scan failed: {errorMessage(error)}
        </Typography>
      ) : null}
      {!isScanning && scan ? (
        <Typography variant="body2" data-testid="scan-result">
          Scan {scanStatusLabel(scan.status).toLocaleLowerCase('en-US')}
        </Typography>
      ) : null}
      <Button
        variant="contained"
        color="default"
        className={classes.scanButton}
        startIcon={
          isScanning ? (
            <CircularProgress size={16} color="inherit" aria-hidden />
          ) : (
            <RefreshIcon />
          )
        }
        onClick={start}
        disabled={isScanning}
        data-testid="scan-now-button"
      >
        {isScanning ? 'Scanning…' : 'Scan now'}
      </Button>
    </Box>
  );
}
