import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import RefreshIcon from '@material-ui/icons/Refresh';
import {
  Content,
  ContentHeader,
  EmptyState,
  Header,
  HeaderLabel,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  PostureSummary,
  securityPostureReportReadPermission,
  securityPostureScanCreatePermission,
} from '@security-posture/plugin-security-posture-common';
import { useScanNow, useSummary } from '../../hooks';
import { SecurityPostureQueryProvider } from '../../queryClient';
import { FindingsTable } from '../FindingsTable';
import { GradeChip } from '../GradeChip';
import { formatDateTime, scanStatusLabel } from '../../utils/format';
import { errorMessage } from '../../utils/errors';
import { CategoryCards } from './CategoryCards';
import { ExportCsvButton } from './ExportCsvButton';

/** @public */
export interface SecurityPageProps {
  /** How often a running scan is polled; defaults to 2 seconds. */
  pollIntervalMs?: number;
}

const OPEN_FINDINGS = { status: ['open' as const] };

function lastScanText(summary: PostureSummary): string {
  const scan = summary.lastScan;
  if (!scan) {
    return 'Never';
  }
  const at = scan.finishedAt ?? scan.startedAt ?? scan.createdAt;
  return `${scanStatusLabel(scan.status)} · ${formatDateTime(at)}`;
}

function ScanNowButton(props: { pollIntervalMs?: number }) {
  const { start, scan, isScanning, error } = useScanNow({
    pollIntervalMs: props.pollIntervalMs,
  });
  const progress =
    scan && scan.progress.total > 0
      ? ` (${scan.progress.done}/${scan.progress.total})`
      : '';
  return (
    <Box display="flex" alignItems="center" style={{ gap: 8 }}>
      {error ? (
        <Typography variant="body2" color="error" data-testid="scan-error">
          Scan failed: {errorMessage(error)}
        </Typography>
      ) : null}
      {!isScanning && scan ? (
        <Typography variant="body2" data-testid="scan-result">
          Scan {scanStatusLabel(scan.status).toLocaleLowerCase('en-US')}
          {scan.message ? `: ${scan.message}` : ''}
        </Typography>
      ) : null}
      <Button
        variant="contained"
        color="primary"
        startIcon={<RefreshIcon />}
        onClick={start}
        disabled={isScanning}
        data-testid="scan-now-button"
      >
        {isScanning ? `Scanning…${progress}` : 'Scan now'}
      </Button>
    </Box>
  );
}

function ReportView(props: {
  summary: PostureSummary;
  canScan: boolean;
  pollIntervalMs?: number;
}) {
  const { summary, canScan, pollIntervalMs } = props;
  return (
    <>
      <ContentHeader title="Deployment posture">
        <Box display="flex" alignItems="center" style={{ gap: 8 }}>
          <ExportCsvButton query={OPEN_FINDINGS} />
          {canScan ? <ScanNowButton pollIntervalMs={pollIntervalMs} /> : null}
        </Box>
      </ContentHeader>
      <Grid container spacing={3} direction="column">
        {summary.gradeCap ? (
          <Grid item>
            <Alert severity="warning" data-testid="grade-cap">
              {summary.gradeCap}
            </Alert>
          </Grid>
        ) : null}
        {!summary.lastCompletedScan ? (
          <Grid item>
            <EmptyState
              missing="data"
              title="No completed scan yet"
              description={
                canScan
                  ? 'Start a scan to grade this deployment.'
                  : 'The deployment is graded after the first scheduled scan.'
              }
            />
          </Grid>
        ) : null}
        {summary.categories.length > 0 ? (
          <Grid item>
            <CategoryCards categories={summary.categories} />
          </Grid>
        ) : null}
        <Grid item>
          <FindingsTable query={OPEN_FINDINGS} />
        </Grid>
      </Grid>
    </>
  );
}

function RestrictedView() {
  return (
    <>
      <ContentHeader title="My entities">
        <ExportCsvButton query={OPEN_FINDINGS} />
      </ContentHeader>
      <Grid container spacing={3} direction="column">
        <Grid item>
          <Alert severity="info" data-testid="restricted-note">
            Deployment-wide posture is restricted to the platform team. Below
            are the open findings of the entities you own.
          </Alert>
        </Grid>
        <Grid item>
          <FindingsTable query={OPEN_FINDINGS} />
        </Grid>
      </Grid>
    </>
  );
}

function SecurityPageContent(props: SecurityPageProps) {
  const { pollIntervalMs } = props;
  const reportPermission = usePermission({
    permission: securityPostureReportReadPermission,
  });
  const scanPermission = usePermission({
    permission: securityPostureScanCreatePermission,
  });
  const canReadReport = !reportPermission.loading && reportPermission.allowed;
  const summary = useSummary({ enabled: canReadReport, pollIntervalMs });

  let body;
  if (reportPermission.loading || (canReadReport && summary.isLoading)) {
    body = <Progress />;
  } else if (!canReadReport) {
    body = <RestrictedView />;
  } else if (summary.error) {
    body = (
      <ResponseErrorPanel
        error={summary.error}
        title="Could not load the security posture"
      />
    );
  } else if (summary.data) {
    body = (
      <ReportView
        summary={summary.data}
        canScan={!scanPermission.loading && scanPermission.allowed}
        pollIntervalMs={pollIntervalMs}
      />
    );
  }

  return (
    <Page themeId="tool">
      <Header
        title="Security posture"
        subtitle="How well this Backstage deployment follows the hardening guidance"
      >
        {canReadReport && summary.data ? (
          <>
            <HeaderLabel
              label="Grade"
              value={
                <GradeChip
                  grade={summary.data.grade}
                  size="large"
                  data-testid="posture-grade"
                />
              }
            />
            <HeaderLabel
              label="Score"
              value={
                <span data-testid="posture-score">{summary.data.score}</span>
              }
            />
            <HeaderLabel
              label="Open findings"
              value={
                <span data-testid="posture-open-findings">
                  {summary.data.openFindings}
                </span>
              }
            />
            <HeaderLabel
              label="Last scan"
              value={
                <span data-testid="posture-last-scan">
                  {lastScanText(summary.data)}
                </span>
              }
            />
          </>
        ) : null}
      </Header>
      <Content>{body}</Content>
    </Page>
  );
}

/** The deployment-wide Security page (or "my entities" for everyone else). */
export function SecurityPage(props: SecurityPageProps) {
  return (
    <SecurityPostureQueryProvider>
      <SecurityPageContent {...props} />
    </SecurityPostureQueryProvider>
  );
}
