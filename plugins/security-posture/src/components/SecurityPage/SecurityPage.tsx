import { ReactNode } from 'react';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Alert from '@material-ui/lab/Alert';
import { useLocation, useResolvedPath } from 'react-router-dom';
import {
  Content,
  Header,
  Link,
  HeaderLabel,
  Page,
  Progress,
  ResponseErrorPanel,
  TabbedLayout,
} from '@backstage/core-components';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  PostureSummary,
  Scan,
  securityPostureReportReadPermission,
  securityPostureScanCreatePermission,
} from '@security-posture/plugin-security-posture-common';
import {
  isScanActive,
  useRefreshOnNewScan,
  useScanNow,
  useSummary,
} from '../../hooks';
import { SecurityPostureQueryProvider } from '../../queryClient';
import { FindingsTable } from '../FindingsTable';
import { GradeChip } from '../GradeChip';
import { OverviewView } from '../Overview';
import { ExportCsvButton } from '../ExportCsvButton';
import { AuthView } from '../AuthView';
import { PermissionsView } from '../PermissionsView';
import { PluginsView } from '../PluginsView';
import { TemplatesView } from '../TemplatesView';
import { CatalogView } from '../CatalogView';
import { ExemptionsView } from '../ExemptionsView';
import { RuntimeView } from '../RuntimeView';
import { DetectionsView } from '../DetectionsView';
import { ScansView } from '../ScansView';
import { MyTeamsCard, TeamScorecardsView } from '../TeamScorecards';
import {
  categoryLabel,
  formatDateTime,
  formatScore,
  scanStatusLabel,
} from '../../utils/format';
import { ScanNowButton, ScanProgress } from './ScanControls';
import {
  SecurityPageBaseProvider,
  useRequestedSecurityView,
  useSecurityPageLink,
} from './SecurityPageContext';
import { BUILT_IN_CATEGORIES } from '../../utils/options';

/** @public */
export interface SecurityPageProps {
  /** How often a running scan is polled; defaults to 2 seconds. */
  pollIntervalMs?: number;
}

const TITLE = 'Security posture';
const SUBTITLE =
  'How well this Backstage deployment follows the hardening guidance';

function lastScanText(summary: PostureSummary): string {
  const scan = summary.lastScan;
  if (!scan) {
    return 'Never';
  }
  const at = scan.finishedAt ?? scan.startedAt ?? scan.createdAt;
  return `${scanStatusLabel(scan.status)} · ${formatDateTime(at)}`;
}

function HeaderLabels(props: { summary: PostureSummary }) {
  const { summary } = props;
  const graded = Boolean(summary.lastCompletedScan);
  return (
    <>
      <HeaderLabel
        label="Grade"
        value={
          graded ? (
            <GradeChip
              grade={summary.grade}
              size="large"
              data-testid="posture-grade"
            />
          ) : (
            <span data-testid="posture-grade-none">—</span>
          )
        }
      />
      {graded ? (
        <HeaderLabel
          label="Score"
          value={
            <span data-testid="posture-score">
              {formatScore(summary.score)} / 100
            </span>
          }
        />
      ) : null}
      <HeaderLabel
        label="Open findings"
        value={
          <span data-testid="posture-open-findings">
            {summary.openFindings}
          </span>
        }
      />
      {summary.exempted?.findings ? (
        <HeaderLabel
          label="Exempted"
          value={
            <span data-testid="posture-exempted">
              {summary.exempted.findings} (score without:{' '}
              {formatScore(summary.exempted.score)})
            </span>
          }
        />
      ) : null}
      <HeaderLabel
        label="Last scan"
        value={
          <span data-testid="posture-last-scan">{lastScanText(summary)}</span>
        }
      />
    </>
  );
}

/** Every view of the report shows the progress of a running scan above its content. */
function ViewFrame(props: { scan?: Scan; children: ReactNode }) {
  return (
    <>
      <ScanProgress scan={props.scan} />
      {props.children}
    </>
  );
}

function ReportPage(props: {
  summary: PostureSummary;
  canScan: boolean;
  pollIntervalMs?: number;
}) {
  const { summary, canScan, pollIntervalMs } = props;
  const scanNow = useScanNow({ pollIntervalMs });
  useRefreshOnNewScan(summary.lastCompletedScan?.id);
  const activeScan =
    scanNow.scan && isScanActive(scanNow.scan.status)
      ? scanNow.scan
      : summary.lastScan;
  const anyScanRunning =
    scanNow.isScanning || isScanActive(summary.lastScan?.status);

  return (
    <Page themeId="tool">
      <Header title={TITLE} subtitle={SUBTITLE}>
        <HeaderLabels summary={summary} />
        {canScan ? (
          <ScanNowButton
            start={scanNow.start}
            scan={scanNow.scan}
            isScanning={anyScanRunning}
            error={scanNow.error}
          />
        ) : null}
      </Header>
      <TabbedLayout>
        <TabbedLayout.Route path="/" title="Overview">
          <ViewFrame scan={activeScan}>
            <Box display="flex" justifyContent="flex-end" mb={2}>
              <ExportCsvButton
                query={{ status: ['open', 'exempted'] }}
                label="Export report (CSV)"
                filenameBase="security-posture-report"
                data-testid="report-export-csv"
              />
            </Box>
            <OverviewView summary={summary} canScan={canScan} />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/findings" title="Findings">
          <ViewFrame scan={activeScan}>
            <FindingsTable exportFilenameBase="security-posture-findings" />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/exemptions" title="Exemptions">
          <ViewFrame scan={activeScan}>
            <ExemptionsView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/auth" title="Authentication">
          <ViewFrame scan={activeScan}>
            <AuthView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/permissions" title="Permissions">
          <ViewFrame scan={activeScan}>
            <PermissionsView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/plugins" title="Plugins">
          <ViewFrame scan={activeScan}>
            <PluginsView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/templates" title="Templates">
          <ViewFrame scan={activeScan}>
            <TemplatesView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/catalog" title="Catalog">
          <ViewFrame scan={activeScan}>
            <CatalogView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/runtime" title="Runtime">
          <ViewFrame scan={activeScan}>
            <RuntimeView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/detections" title="Detections">
          <ViewFrame scan={activeScan}>
            <DetectionsView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/teams" title="Teams">
          <ViewFrame scan={activeScan}>
            <TeamScorecardsView />
          </ViewFrame>
        </TabbedLayout.Route>
        <TabbedLayout.Route path="/scans" title="Scans">
          <ViewFrame scan={activeScan}>
            <ScansView />
          </ViewFrame>
        </TabbedLayout.Route>
      </TabbedLayout>
    </Page>
  );
}

function SimplePage(props: { children: ReactNode }) {
  return (
    <Page themeId="tool">
      <Header title={TITLE} subtitle={SUBTITLE} />
      <Content>{props.children}</Content>
    </Page>
  );
}

/**
 * A link to a view of the deployment-wide report (`/security/permissions`) opened without the
 * report permission: say that it needs the platform team's access instead of silently
 * showing the restricted page.
 */
function RestrictedViewNote() {
  const location = useLocation();
  const view = useRequestedSecurityView(location.pathname);
  const pageLink = useSecurityPageLink();
  if (!view || view === 'findings') return null;
  const known = (BUILT_IN_CATEGORIES as string[]).includes(view);
  const home = pageLink('')?.replace(/\/$/, '') || '/';
  return (
    <Grid item>
      <Alert severity="warning" data-testid="restricted-view-note">
        {known ? `The ${categoryLabel(view)} view` : 'This view'} of the
        deployment-wide report needs the platform team&apos;s access (the
        security-posture report permission), which you do not have. Ask the
        platform team if you need it. Below are the findings you may see (
        <Link to={home}>your entities&apos; findings</Link>).
      </Alert>
    </Grid>
  );
}

/** Without the report permission: the findings of the user's own entities, and why. */
function RestrictedPage() {
  return (
    <SimplePage>
      <Grid container spacing={3} direction="column">
        <RestrictedViewNote />
        <Grid item>
          <Alert severity="info" data-testid="restricted-note">
            Deployment-wide posture is restricted to the platform team. Below
            are the findings of the entities whose details you may see (usually
            the ones you own). Each entity&apos;s Security tab shows its
            findings too.
          </Alert>
        </Grid>
        <MyTeamsCard />
        <Grid item>
          <FindingsTable exportFilenameBase="security-posture-my-entities" />
        </Grid>
      </Grid>
    </SimplePage>
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

  if (reportPermission.loading || (canReadReport && summary.isLoading)) {
    return (
      <SimplePage>
        <Progress />
      </SimplePage>
    );
  }
  if (!canReadReport) {
    return <RestrictedPage />;
  }
  if (summary.error || !summary.data) {
    return (
      <SimplePage>
        <ResponseErrorPanel
          error={summary.error ?? new Error('No summary received')}
          title="Could not load the security posture"
        />
      </SimplePage>
    );
  }
  return (
    <ReportPage
      summary={summary.data}
      canScan={!scanPermission.loading && scanPermission.allowed}
      pollIntervalMs={pollIntervalMs}
    />
  );
}

/** The deployment-wide Security page (or "my entities" for everyone else). */
export function SecurityPage(props: SecurityPageProps) {
  // Resolved here, outside the tabs' routes: the page's own path, for links between views.
  const base = useResolvedPath('.').pathname;
  return (
    <SecurityPostureQueryProvider>
      <SecurityPageBaseProvider value={base}>
        <SecurityPageContent {...props} />
      </SecurityPageBaseProvider>
    </SecurityPostureQueryProvider>
  );
}
