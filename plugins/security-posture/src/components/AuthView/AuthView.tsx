import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { InfoCard } from '@backstage/core-components';
import {
  AuthProbe,
  AuthProbeReport,
  AuthProbeVerdict,
  AuthProviderInventoryItem,
  LIVE_PROBES_CHECK_ID,
  LIVE_PROBES_KEY,
  PROVIDER_INVENTORY_CHECK_ID,
  PROVIDER_INVENTORY_KEY,
} from '@security-posture/plugin-security-posture-common';
import {
  CategoryView,
  PublishedAt,
  PublishedData,
  useNoWrapHead,
} from '../CategoryView';

const useStyles = makeStyles(theme => ({
  mono: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    overflowWrap: 'anywhere',
  },
  exposedRow: {
    backgroundColor:
      theme.palette.type === 'dark'
        ? 'rgba(244, 67, 54, 0.16)'
        : 'rgba(244, 67, 54, 0.08)',
  },
}));

const VERDICTS: Record<
  AuthProbeVerdict,
  { label: string; background: string; text: string }
> = {
  ok: { label: 'As expected', background: '#2e7d32', text: '#ffffff' },
  exposed: { label: 'Exposed', background: '#c62828', text: '#ffffff' },
  inconclusive: {
    label: 'Inconclusive',
    background: '#616161',
    text: '#ffffff',
  },
};

const EXPECTED: Record<AuthProbe['expected'], string> = {
  refused: 'Refused (401/403)',
  allowed: 'Allowed',
  any: 'Anything',
};

/** The probe URL without the base the report names once. */
function probePath(probe: AuthProbe, baseUrl: string): string {
  return probe.url.startsWith(baseUrl)
    ? probe.url.slice(baseUrl.length) || '/'
    : probe.url;
}

function observed(probe: AuthProbe): string {
  if (probe.error) return probe.error;
  if (probe.status === undefined) return 'No response';
  const redirect = probe.redirectLocation ? ` → ${probe.redirectLocation}` : '';
  return `HTTP ${probe.status}${redirect}`;
}

export function ProbeTable(props: { report: AuthProbeReport }) {
  const head = useNoWrapHead();
  const { report } = props;
  const classes = useStyles();
  const exposed = report.probes.filter(p => p.verdict === 'exposed').length;
  return (
    <InfoCard
      title="Observed: what an anonymous client and a guest got"
      subheader={`${report.probes.length} probes against ${report.baseUrl}; ${exposed} exposed`}
    >
      <TableContainer>
        <Table
          size="small"
          aria-label="Probe results"
          data-testid="auth-probes"
        >
          <TableHead className={head}>
            <TableRow>
              <TableCell>Probe</TableCell>
              <TableCell>Request</TableCell>
              <TableCell>Expected</TableCell>
              <TableCell>Observed</TableCell>
              <TableCell>Verdict</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {report.probes.map(probe => {
              const verdict = VERDICTS[probe.verdict] ?? VERDICTS.inconclusive;
              return (
                <TableRow
                  key={probe.id}
                  className={
                    probe.verdict === 'exposed' ? classes.exposedRow : undefined
                  }
                  data-testid={`auth-probe-${probe.id}`}
                >
                  <TableCell>
                    <Typography variant="body2">{probe.description}</Typography>
                    {probe.detail ? (
                      <Typography variant="caption" color="textSecondary">
                        {probe.detail}
                      </Typography>
                    ) : null}
                  </TableCell>
                  <TableCell className={classes.mono}>
                    {probe.method} {probePath(probe, report.baseUrl)}
                  </TableCell>
                  <TableCell>
                    {EXPECTED[probe.expected] ?? probe.expected}
                  </TableCell>
                  <TableCell className={classes.mono}>
                    {observed(probe)}
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                    >
                      {probe.durationMs} ms
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      label={verdict.label}
                      style={{
                        backgroundColor: verdict.background,
                        color: verdict.text,
                      }}
                    />
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      <PublishedAt
        at={report.generatedAt}
        suffix={` · timeout ${report.timeoutMs} ms per probe`}
      />
    </InfoCard>
  );
}

function installedText(installed?: boolean): string {
  if (installed === undefined) return 'Unknown';
  return installed ? 'Yes' : 'No';
}

export function ProviderTable(props: {
  providers: AuthProviderInventoryItem[];
  generatedAt: string;
}) {
  const head = useNoWrapHead();
  const { providers } = props;
  const classes = useStyles();
  return (
    <InfoCard
      title="Configured: sign-in providers and resolvers"
      subheader="From auth.providers.<id>.<environment>.signIn.resolvers"
    >
      {providers.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          No auth provider is configured.
        </Typography>
      ) : (
        <TableContainer>
          <Table
            size="small"
            aria-label="Auth providers"
            data-testid="auth-providers"
          >
            <TableHead className={head}>
              <TableRow>
                <TableCell>Provider</TableCell>
                <TableCell>Environment</TableCell>
                <TableCell>Resolvers</TableCell>
                <TableCell>Risky options</TableCell>
                <TableCell>Module installed</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {providers.map(provider => (
                <TableRow
                  key={`${provider.providerId}/${provider.environment ?? ''}`}
                  className={
                    provider.risks.length > 0 ? classes.exposedRow : undefined
                  }
                >
                  <TableCell className={classes.mono}>
                    {provider.providerId}
                  </TableCell>
                  <TableCell>{provider.environment ?? '—'}</TableCell>
                  <TableCell className={classes.mono}>
                    {provider.resolvers.join(', ') || '—'}
                  </TableCell>
                  <TableCell className={classes.mono}>
                    {provider.risks.join(', ') || 'None'}
                  </TableCell>
                  <TableCell>
                    {installedText(provider.moduleInstalled)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      <PublishedAt at={props.generatedAt} />
    </InfoCard>
  );
}

/** Auth: live probe observations next to the configured providers, then the auth findings. */
export function AuthView() {
  return (
    <CategoryView
      category="auth"
      intro="What the deployment actually answered to an unauthenticated client and to a guest session, next to what its configuration says. Configuration findings (guest outside development, external access without restrictions, disabled default auth policy) are in the table below."
    >
      <Grid item xs={12} xl={7}>
        <PublishedData<AuthProbeReport>
          checkId={LIVE_PROBES_CHECK_ID}
          dataKey={LIVE_PROBES_KEY}
          what="probe results"
        >
          {report => <ProbeTable report={report} />}
        </PublishedData>
      </Grid>
      <Grid item xs={12} xl={5}>
        <PublishedData<AuthProviderInventoryItem[]>
          checkId={PROVIDER_INVENTORY_CHECK_ID}
          dataKey={PROVIDER_INVENTORY_KEY}
          what="provider inventory"
        >
          {(providers, envelope) => (
            <ProviderTable
              providers={providers}
              generatedAt={envelope.updatedAt}
            />
          )}
        </PublishedData>
      </Grid>
    </CategoryView>
  );
}
