import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  Scan,
  SCAN_CHANGE_TYPES,
} from '@security-posture/plugin-security-posture-common';
import { useScanChanges } from '../../hooks';
import { formatDateTime } from '../../utils/format';
import { useSecurityPageLink } from '../SecurityPage/SecurityPageContext';
import { changeLabel, ScanChangeList } from './ScanChangeList';

/** Changes listed on the card; the Scans view lists them all. */
export const CARD_CHANGES = 5;

/** Why a scan shows no changes: it is the baseline, or its changes were not recorded. */
export function NoChangesNote(props: { baseline: boolean; recorded: boolean }) {
  if (!props.recorded) {
    return (
      <Typography
        variant="body2"
        color="textSecondary"
        data-testid="scan-changes-unrecorded"
      >
        What this scan changed was not recorded (it ran before changes were
        recorded, or wrote nothing).
      </Typography>
    );
  }
  if (props.baseline) {
    return (
      <Typography
        variant="body2"
        color="textSecondary"
        data-testid="scan-changes-baseline"
      >
        This was the first scan: its findings are the starting point. Changes
        show from the next scan on.
      </Typography>
    );
  }
  return (
    <Typography
      variant="body2"
      color="textSecondary"
      data-testid="scan-changes-none"
    >
      Nothing changed: the scan found what the scan before it found.
    </Typography>
  );
}

/**
 * The overview's "what changed": new, reopened, resolved and re-rated findings of the last
 * completed scan against the scan before it, the most severe first.
 */
export function ScanChangesCard(props: {
  scan: Scan;
  onOpen: (fingerprint: string) => void;
}) {
  const { scan, onOpen } = props;
  const link = useSecurityPageLink();
  const { data, error, isLoading } = useScanChanges(scan.id, {
    limit: CARD_CHANGES,
  });
  const allChanges = link('scans', new URLSearchParams({ scan: scan.id }));

  let body;
  if (isLoading) {
    body = <Progress />;
  } else if (error || !data) {
    body = (
      <ResponseErrorPanel
        error={error ?? new Error('No changes received')}
        title="Could not load what the last scan changed"
      />
    );
  } else {
    const total = SCAN_CHANGE_TYPES.reduce((sum, c) => sum + data.counts[c], 0);
    body = (
      <>
        <Box display="flex" flexWrap="wrap" mb={1} style={{ gap: 8 }}>
          {SCAN_CHANGE_TYPES.map(change => (
            <Chip
              key={change}
              size="small"
              label={`${changeLabel(change)}: ${data.counts[change]}`}
              variant={data.counts[change] ? 'default' : 'outlined'}
              data-testid={`scan-changes-count-${change}`}
            />
          ))}
        </Box>
        {total === 0 ? (
          <NoChangesNote baseline={data.baseline} recorded={data.recorded} />
        ) : (
          <ScanChangeList changes={data.items} onOpen={onOpen} />
        )}
        {allChanges && total > data.items.length ? (
          <Typography variant="body2">
            <Link to={allChanges} data-testid="scan-changes-all">
              All {total} changes of this scan
            </Link>
          </Typography>
        ) : null}
      </>
    );
  }

  return (
    <InfoCard
      title="What changed since the previous scan"
      subheader={`Scan of ${formatDateTime(
        scan.finishedAt ?? scan.startedAt ?? scan.createdAt,
      )} against the scan before it, most severe first`}
    >
      <div data-testid="scan-changes-card">{body}</div>
    </InfoCard>
  );
}
