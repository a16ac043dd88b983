import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { InfoCard } from '@backstage/core-components';
import {
  AdvisorySourceStatus,
  PluginInventory,
} from '@security-posture/plugin-security-posture-common';
import { useNoWrapHead } from '../CategoryView';
import { formatDate, formatDateTime } from '../../utils/format';

/** Older than this, the bundled dataset is flagged (as plugins/live-data-unavailable does). */
export const BUNDLED_MAX_AGE_DAYS = 30;
const LIVE_SOURCES = ['osv', 'npm', 'github'];
const DAY_MS = 24 * 60 * 60 * 1000;

const SOURCE_LABELS: Record<string, string> = {
  bundled: 'Bundled dataset',
  osv: 'OSV',
  npm: 'npm bulk advisories',
  github: 'GitHub advisories',
};

const STATE_LABELS: Record<AdvisorySourceStatus['status'], string> = {
  ok: 'answered',
  partial: 'answered in part',
  failed: 'unreachable',
  disabled: 'off',
};

/** Whole days from `iso` to the scan (not to now: the page shows what the scan saw). */
export function ageInDays(
  iso: string | undefined,
  at: string,
): number | undefined {
  const from = iso ? Date.parse(iso) : NaN;
  const to = Date.parse(at);
  if (Number.isNaN(from) || Number.isNaN(to)) return undefined;
  return Math.max(0, Math.floor((to - from) / DAY_MS));
}

function daysText(days: number): string {
  return `${days} day${days === 1 ? '' : 's'} old`;
}

/** When the data is from and how old, per source. */
function whenText(source: AdvisorySourceStatus, scannedAt: string): string {
  if (source.name === 'bundled') {
    const age = ageInDays(source.asOf, scannedAt);
    return source.asOf
      ? `compiled ${formatDate(source.asOf)}${
          age === undefined ? '' : `, ${daysText(age)}`
        }`
      : '—';
  }
  return source.checkedAt ? `asked ${formatDateTime(source.checkedAt)}` : '—';
}

function coverageText(source: AdvisorySourceStatus): string {
  if (source.status === 'disabled') return '—';
  const found = `${source.advisories} advisor${
    source.advisories === 1 ? 'y' : 'ies'
  }`;
  if (source.queried === undefined) return found;
  return `${found} for ${source.answered ?? 0} of ${
    source.queried
  } package versions`;
}

/**
 * Shown when no live source answered (all off, or all unreachable): advisories then come from
 * the bundled dataset alone, which a first-time user should know before trusting a clean list.
 */
function OfflineNotice(props: { inventory: PluginInventory }) {
  const { inventory } = props;
  const live = inventory.advisorySources.filter(s =>
    LIVE_SOURCES.includes(s.name),
  );
  if (live.some(s => s.status === 'ok' || s.status === 'partial')) return null;
  const bundled = inventory.advisorySources.find(s => s.name === 'bundled');
  const age = ageInDays(bundled?.asOf, inventory.generatedAt);
  const unreachable = live.filter(s => s.status === 'failed');
  return (
    <Alert
      severity={unreachable.length ? 'warning' : 'info'}
      data-testid="advisory-sources-notice"
    >
      <AlertTitle>
        {unreachable.length
          ? 'No live advisory source answered'
          : 'Every live advisory source is off'}
      </AlertTitle>
      Advisories come from the bundled dataset alone
      {bundled?.asOf
        ? ` (compiled ${formatDate(bundled.asOf)}${
            age === undefined ? '' : `, ${daysText(age)}`
          })`
        : ''}
      : anything published since is missing.{' '}
      {unreachable.length
        ? `${unreachable
            .map(
              s =>
                `${SOURCE_LABELS[s.name] ?? s.name}${
                  s.url ? ` (${s.url})` : ''
                } did not answer: ${s.error ?? 'no reason given'}`,
            )
            .join(
              '; ',
            )}. Let the backend reach it, or point it at a mirror with advisorySources.osv.baseUrl. `
        : ''}
      OSV is on by default and needs no credentials; an air-gapped deployment
      switches it off with
      securityPosture.checks.plugins.inventory.options.advisorySources.osv.enabled:
      false.
    </Alert>
  );
}

/** Each advisory source: whether it answered this scan, when, for how much, and its data age. */
export function AdvisorySources(props: { inventory: PluginInventory }) {
  const head = useNoWrapHead();
  const { inventory } = props;
  const order = (name: string) => ['bundled', ...LIVE_SOURCES].indexOf(name);
  const sources = [...inventory.advisorySources].sort(
    (a, b) => order(a.name) - order(b.name),
  );
  return (
    <InfoCard title="Advisory sources">
      <OfflineNotice inventory={inventory} />
      <Table
        size="small"
        aria-label="Advisory sources"
        data-testid="advisory-sources"
      >
        <TableHead className={head}>
          <TableRow>
            <TableCell>Source</TableCell>
            <TableCell>State</TableCell>
            <TableCell>Data from</TableCell>
            <TableCell>Coverage</TableCell>
            <TableCell>Details</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {sources.map(source => {
            const stale =
              source.name === 'bundled' &&
              (ageInDays(source.asOf, inventory.generatedAt) ?? 0) >
                BUNDLED_MAX_AGE_DAYS;
            return (
              <TableRow
                key={source.name}
                data-testid={`advisory-source-${source.name}`}
              >
                <TableCell>
                  {SOURCE_LABELS[source.name] ?? source.name}
                </TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    variant={source.status === 'ok' ? 'default' : 'outlined'}
                    color={
                      source.status === 'failed' || source.status === 'partial'
                        ? 'secondary'
                        : 'default'
                    }
                    label={STATE_LABELS[source.status]}
                  />
                </TableCell>
                <TableCell>
                  <Typography
                    variant="body2"
                    color={stale ? 'error' : 'initial'}
                  >
                    {whenText(source, inventory.generatedAt)}
                    {stale ? ` (more than ${BUNDLED_MAX_AGE_DAYS} days)` : ''}
                  </Typography>
                </TableCell>
                <TableCell>{coverageText(source)}</TableCell>
                <TableCell>
                  <Typography
                    variant="body2"
                    style={{ overflowWrap: 'anywhere' }}
                  >
                    {[source.url, source.error].filter(Boolean).join(': ') ||
                      '—'}
                  </Typography>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </InfoCard>
  );
}
