import Chip from '@material-ui/core/Chip';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import {
  ScanChange,
  ScanChangeCounts,
  ScanChangeType,
  SCAN_CHANGE_TYPES,
} from '@security-posture/plugin-security-posture-common';
import { SeverityChip, severityLabel } from '../SeverityChip';
import { categoryLabel } from '../../utils/format';

const CHANGE_LABELS: Record<ScanChangeType, string> = {
  new: 'New',
  reopened: 'Reopened',
  resolved: 'Resolved',
  severity: 'Severity changed',
};

/** `New`, `Resolved`, … */
export function changeLabel(change: ScanChangeType): string {
  return CHANGE_LABELS[change] ?? change;
}

/** `3 new · 1 reopened · 5 resolved · 2 severity changed`, leaving out zeros. */
export function changeCountsText(counts: ScanChangeCounts): string {
  const parts = SCAN_CHANGE_TYPES.filter(change => counts[change] > 0).map(
    change =>
      `${counts[change]} ${changeLabel(change).toLocaleLowerCase('en-US')}`,
  );
  return parts.length ? parts.join(' · ') : 'No changes';
}

const useStyles = makeStyles(theme => ({
  item: {
    gap: theme.spacing(1.5),
    alignItems: 'flex-start',
  },
  change: {
    minWidth: 132,
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: theme.spacing(0.5),
  },
  // Resolved findings are good news: set apart from the bad ones.
  resolved: {
    borderColor: theme.palette.success?.main ?? theme.palette.primary.main,
    color: theme.palette.success?.main ?? theme.palette.primary.main,
  },
  text: {
    margin: 0,
    minWidth: 0,
    // Backstage's theme clips dense list text to one line; titles and locations wrap here.
    whiteSpace: 'normal',
    overflow: 'visible',
  },
  where: {
    display: 'block',
    overflowWrap: 'anywhere',
  },
}));

function ChangeBadge(props: { change: ScanChange }) {
  const { change } = props;
  const classes = useStyles();
  return (
    <div className={classes.change}>
      <Chip
        size="small"
        variant="outlined"
        label={changeLabel(change.change)}
        className={change.change === 'resolved' ? classes.resolved : undefined}
        data-testid="scan-change-type"
      />
      <SeverityChip severity={change.severity} />
      {change.change === 'severity' && change.previousSeverity ? (
        <Typography variant="caption" color="textSecondary">
          was {severityLabel(change.previousSeverity)}
        </Typography>
      ) : null}
    </div>
  );
}

/** Changed findings, most severe first (the server's order); a click opens the finding. */
export function ScanChangeList(props: {
  changes: ScanChange[];
  onOpen: (fingerprint: string) => void;
  'data-testid'?: string;
}) {
  const { changes, onOpen } = props;
  const classes = useStyles();
  return (
    <List
      dense
      disablePadding
      data-testid={props['data-testid'] ?? 'scan-changes'}
    >
      {changes.map(change => (
        <ListItem
          key={`${change.change}:${change.fingerprint}`}
          button
          className={classes.item}
          onClick={() => onOpen(change.fingerprint)}
          data-testid={`scan-change-${change.fingerprint}`}
        >
          <ChangeBadge change={change} />
          <ListItemText
            className={classes.text}
            primary={change.title}
            secondaryTypographyProps={{ component: 'div' }}
            secondary={
              <span className={classes.where}>
                {change.entityRef ? `${change.entityRef} · ` : ''}
                {categoryLabel(change.category)} · {change.checkId}
              </span>
            }
          />
        </ListItem>
      ))}
    </List>
  );
}
