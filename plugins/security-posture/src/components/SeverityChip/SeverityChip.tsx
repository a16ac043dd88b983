import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import {
  SEVERITIES,
  Severity,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';

/** Background and text colour of each severity. */
export const SEVERITY_COLORS: Record<
  Severity,
  { background: string; text: string }
> = {
  critical: { background: '#8e0000', text: '#ffffff' },
  high: { background: '#d32f2f', text: '#ffffff' },
  medium: { background: '#ef6c00', text: '#ffffff' },
  low: { background: '#fbc02d', text: '#212121' },
  info: { background: '#78909c', text: '#ffffff' },
};

const SEVERITY_LABELS: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

export function severityLabel(severity: Severity): string {
  return SEVERITY_LABELS[severity] ?? severity;
}

const useStyles = makeStyles({
  chip: {
    fontWeight: 600,
    margin: 0,
  },
  counts: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: 4,
  },
});

/** A coloured chip naming a severity, optionally with a count. */
export function SeverityChip(props: { severity: Severity; count?: number }) {
  const { severity, count } = props;
  const classes = useStyles();
  const colors = SEVERITY_COLORS[severity] ?? SEVERITY_COLORS.info;
  const label =
    count === undefined
      ? severityLabel(severity)
      : `${severityLabel(severity)}: ${count}`;
  return (
    <Chip
      size="small"
      label={label}
      className={classes.chip}
      style={{ backgroundColor: colors.background, color: colors.text }}
      data-testid={
        count === undefined
          ? `severity-chip-${severity}`
          : `severity-count-${severity}`
      }
    />
  );
}

/** One chip per severity, worst first; zero counts are hidden unless `showZero`. */
export function SeverityCountChips(props: {
  counts: SeverityCounts;
  showZero?: boolean;
}) {
  const { counts, showZero } = props;
  const classes = useStyles();
  const shown = SEVERITIES.filter(s => showZero || (counts[s] ?? 0) > 0);
  return (
    <div className={classes.counts}>
      {shown.map(severity => (
        <SeverityChip
          key={severity}
          severity={severity}
          count={counts[severity] ?? 0}
        />
      ))}
    </div>
  );
}
