import { ReactNode } from 'react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import LockIcon from '@material-ui/icons/Lock';
import { Link } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  EvidenceValue,
  Finding,
} from '@security-posture/plugin-security-posture-common';
import { SeverityChip } from '../SeverityChip';
import { ExemptionInfo } from '../ExemptionInfo';
import {
  categoryLabel,
  describeTarget,
  formatDateTime,
} from '../../utils/format';
import {
  checksumExplanation,
  MASKED_SECRET_EXPLANATION,
  MASKED_SECRET_LABEL,
} from '../../utils/evidence';
import { SourceLinks } from '../SourceLinks';

const useStyles = makeStyles(theme => ({
  heading: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
  },
  section: {
    marginTop: theme.spacing(2),
  },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: theme.spacing(1, 0, 0),
    '& dt': { fontWeight: 600, color: theme.palette.text.secondary },
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
  },
  mono: {
    fontFamily: 'monospace',
    overflowWrap: 'anywhere',
  },
  note: {
    fontFamily: theme.typography.fontFamily,
  },
  secret: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  },
}));

const STATUS_LABELS: Record<Finding['status'], string> = {
  open: 'Open',
  exempted: 'Exempted',
  resolved: 'Resolved',
};

/** Evidence keys the engine writes for a detected secret: never the secret itself. */
const SECRET_KEYS: Record<string, string> = {
  secretMask: MASKED_SECRET_LABEL,
  secretFingerprint: 'Secret fingerprint',
  secretKind: 'Secret kind',
  checksum: 'Token checksum',
};

/** What a reader needs to know about an evidence value, under it. */
function evidenceNote(key: string, value: EvidenceValue): string | undefined {
  if (key === 'secretMask') return `(${MASKED_SECRET_EXPLANATION})`;
  if (key === 'checksum') return checksumExplanation(value);
  return undefined;
}

export function evidenceText(value: EvidenceValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** Evidence as the server sent it (already redacted): masks stay masks. */
export function EvidenceList(props: { evidence: Finding['evidence'] }) {
  const classes = useStyles();
  const entries = Object.entries(props.evidence ?? {});
  if (entries.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No evidence recorded.
      </Typography>
    );
  }
  // Secret-related entries first: they are what the reader looks for.
  entries.sort(
    ([a], [b]) => Number(b in SECRET_KEYS) - Number(a in SECRET_KEYS),
  );
  return (
    <dl className={classes.facts} aria-label="Evidence">
      {entries.map(([key, value]) => {
        const note = evidenceNote(key, value);
        return (
          <Box key={key} display="contents">
            <dt>{SECRET_KEYS[key] ?? key}</dt>
            <dd className={classes.mono}>
              {key === 'secretMask' ? (
                <span className={classes.secret}>
                  <LockIcon fontSize="inherit" aria-hidden />
                  {evidenceText(value)}
                </span>
              ) : (
                evidenceText(value)
              )}
              {note ? (
                <Typography
                  variant="caption"
                  color="textSecondary"
                  display="block"
                  className={classes.note}
                  data-testid={`evidence-note-${key}`}
                >
                  {note}
                </Typography>
              ) : null}
            </dd>
          </Box>
        );
      })}
    </dl>
  );
}

/**
 * Everything about one finding: what, where, evidence (redacted on the server), remediation
 * and links. Used by the details drawer and the entity tab.
 */
export function FindingDetails(props: {
  finding: Finding;
  /** Heading level of the title; sections use the next level. */
  headingLevel?: 2 | 3;
  /** Hide the title row (when the surrounding element already shows it). */
  hideTitle?: boolean;
  /** Shown after the remediation text, e.g. copyable remediation snippets. */
  remediationExtra?: ReactNode;
}) {
  const { finding, headingLevel = 2, hideTitle, remediationExtra } = props;
  const classes = useStyles();
  const titleTag = `h${headingLevel}` as 'h2' | 'h3';
  const sectionTag = `h${headingLevel + 1}` as 'h3' | 'h4';
  const hasSecret = 'secretMask' in (finding.evidence ?? {});

  return (
    <div data-testid={`finding-details-${finding.fingerprint}`}>
      {hideTitle ? null : (
        <div className={classes.heading}>
          <SeverityChip severity={finding.severity} />
          <Typography variant="h6" component={titleTag}>
            {finding.title}
          </Typography>
        </div>
      )}
      <Box className={classes.heading} mt={hideTitle ? 0 : 1}>
        <Chip
          size="small"
          variant="outlined"
          label={categoryLabel(finding.category)}
        />
        <Chip
          size="small"
          variant={finding.status === 'open' ? 'default' : 'outlined'}
          label={STATUS_LABELS[finding.status] ?? finding.status}
          data-testid="finding-status"
        />
        {finding.outcome === 'error' ? (
          <Chip size="small" color="secondary" label="Check errored" />
        ) : null}
      </Box>
      {finding.exemption ? (
        <Box className={classes.section}>
          <ExemptionInfo exemption={finding.exemption} />
        </Box>
      ) : null}
      {finding.message ? (
        <Typography variant="body1" className={classes.section}>
          {finding.message}
        </Typography>
      ) : null}

      <dl className={classes.facts} aria-label="Where">
        <dt>Target</dt>
        <dd>
          {finding.entityRef ? (
            <EntityRefLink entityRef={finding.entityRef} />
          ) : (
            describeTarget(finding.target)
          )}
        </dd>
        {finding.location ? (
          <>
            <dt>Location</dt>
            <dd className={classes.mono}>{finding.location}</dd>
          </>
        ) : null}
        {finding.owners.length > 0 ? (
          <>
            <dt>Owners</dt>
            <dd>
              {finding.owners.map((owner, i) => (
                <span key={owner}>
                  {i > 0 ? ', ' : null}
                  <EntityRefLink entityRef={owner} />
                </span>
              ))}
            </dd>
          </>
        ) : null}
        <dt>Check</dt>
        <dd className={classes.mono}>{finding.checkId}</dd>
        <dt>First seen</dt>
        <dd>{formatDateTime(finding.firstSeenAt)}</dd>
        <dt>Last seen</dt>
        <dd>{formatDateTime(finding.lastSeenAt)}</dd>
        {finding.resolvedAt ? (
          <>
            <dt>Resolved</dt>
            <dd>{formatDateTime(finding.resolvedAt)}</dd>
          </>
        ) : null}
      </dl>

      <Typography
        variant="subtitle2"
        component={sectionTag}
        className={classes.section}
      >
        Evidence
      </Typography>
      {hasSecret ? (
        <Typography variant="caption" color="textSecondary" display="block">
          Secrets are never stored or shown: only a mask and a fingerprint to
          recognise the value.
        </Typography>
      ) : null}
      <EvidenceList evidence={finding.evidence} />

      <Typography
        variant="subtitle2"
        component={sectionTag}
        className={classes.section}
      >
        Remediation
      </Typography>
      <Typography variant="body2" data-testid="finding-remediation">
        {finding.remediation}
      </Typography>
      {finding.entityRef ? <SourceLinks entityRef={finding.entityRef} /> : null}
      {remediationExtra}
      {finding.docsUrl ? (
        <Typography variant="body2" className={classes.section}>
          <Link to={finding.docsUrl}>Documentation</Link>
        </Typography>
      ) : null}
    </div>
  );
}
