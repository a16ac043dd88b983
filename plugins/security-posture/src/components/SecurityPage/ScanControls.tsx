import { useEffect, useRef, useState } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Snackbar from '@material-ui/core/Snackbar';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import RefreshIcon from '@material-ui/icons/Refresh';
import Alert from '@material-ui/lab/Alert';
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
  // The button keeps its place in the header: the status goes on a line of its own below
  // it, taken out of the flow, so it neither pushes the button to a second row nor makes
  // the header taller.
  scanArea: {
    position: 'relative',
  },
  scanStatus: {
    position: 'absolute',
    top: '100%',
    right: 0,
    marginTop: theme.spacing(0.5),
    maxWidth: 320,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    color: 'rgba(255, 255, 255, 0.85)',
    lineHeight: 1.4,
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

interface Outcome {
  id: string;
  message: string;
  severity: 'success' | 'warning';
}

/**
 * "Scan now", for those allowed to start scans, as an item of the page header. Its status
 * (result or error) is a line below the button; the outcome of a finished scan is also a
 * toast at the bottom of the screen, away from the grade in the header.
 */
export function ScanNowButton(props: {
  start: () => void;
  scan?: Scan;
  isScanning: boolean;
  error?: Error;
}) {
  const { start, scan, isScanning, error } = props;
  const classes = useStyles();
  const reported = useRef<string>();
  const [outcome, setOutcome] = useState<Outcome>();
  const [toastOpen, setToastOpen] = useState(false);

  useEffect(() => {
    if (!scan || isScanActive(scan.status) || reported.current === scan.id) {
      return;
    }
    reported.current = scan.id;
    setOutcome({
      id: scan.id,
      message: `Scan ${scanStatusLabel(scan.status).toLocaleLowerCase(
        'en-US',
      )}${scan.message ? `: ${scan.message}` : ''}`,
      severity: scan.status === 'succeeded' ? 'success' : 'warning',
    });
    setToastOpen(true);
  }, [scan]);

  let status: { text: string; testId: string; alert: boolean } | undefined;
  if (error) {
    status = {
      text: `Scan failed: ${errorMessage(error)}`,
      testId: 'scan-error',
      alert: true,
    };
  } else if (!isScanning && scan) {
    status = {
      text: `Scan ${scanStatusLabel(scan.status).toLocaleLowerCase('en-US')}`,
      testId: 'scan-result',
      alert: false,
    };
  }

  return (
    <Grid item className={classes.scanArea} data-testid="scan-controls">
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
      {status ? (
        <Typography
          variant="caption"
          component="p"
          className={classes.scanStatus}
          title={status.text}
          data-testid={status.testId}
          role={status.alert ? 'alert' : undefined}
        >
          {status.text}
        </Typography>
      ) : null}
      <Snackbar
        open={toastOpen}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
        autoHideDuration={6000}
        onClose={(_event, reason) => {
          if (reason !== 'clickaway') setToastOpen(false);
        }}
        data-testid="scan-toast"
      >
        <Alert
          severity={outcome?.severity ?? 'success'}
          onClose={() => setToastOpen(false)}
          variant="filled"
        >
          {outcome?.message}
        </Alert>
      </Snackbar>
    </Grid>
  );
}
