import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import {
  compareSeverity,
  Finding,
  Scan,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';
import { useEntityFindings } from '../../hooks';
import { SecurityPostureQueryProvider } from '../../queryClient';
import { SeverityChip, SeverityCountChips } from '../SeverityChip';
import { FindingDetails } from '../FindingDetails';
import { ExemptButton } from '../ExemptionDialog';
import { RemediationSnippets } from '../RemediationSnippets';
import { ExportCsvButton } from '../ExportCsvButton';
import {
  categoryLabel,
  formatDateTime,
  plural,
  scanStatusLabel,
} from '../../utils/format';

/** Findings shown expanded at first; the rest are one click (or Enter) away. */
const EXPANDED_FINDINGS = 3;

const useStyles = makeStyles(theme => ({
  summary: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
  },
  details: {
    flexDirection: 'column',
    gap: theme.spacing(2),
  },
  location: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    color: theme.palette.text.secondary,
    overflowWrap: 'anywhere',
  },
}));

function FindingItem(props: { finding: Finding; expanded: boolean }) {
  const { finding, expanded } = props;
  const classes = useStyles();
  const id = `entity-finding-${finding.fingerprint}`;
  return (
    <Accordion defaultExpanded={expanded} data-testid={id}>
      <AccordionSummary
        expandIcon={<ExpandMoreIcon />}
        aria-controls={`${id}-content`}
        id={`${id}-header`}
      >
        <div className={classes.summary}>
          <SeverityChip severity={finding.severity} />
          <Typography variant="subtitle1" component="h3">
            {finding.title}
          </Typography>
          <Typography variant="body2" color="textSecondary">
            {categoryLabel(finding.category)}
          </Typography>
          {finding.location ? (
            <span className={classes.location}>{finding.location}</span>
          ) : null}
          {finding.status === 'exempted' ? (
            <Chip size="small" variant="outlined" label="Exempted" />
          ) : null}
        </div>
      </AccordionSummary>
      <AccordionDetails id={`${id}-content`} className={classes.details}>
        <FindingDetails
          finding={finding}
          hideTitle
          headingLevel={3}
          remediationExtra={<RemediationSnippets finding={finding} />}
        />
        <div>
          <ExemptButton finding={finding} />
        </div>
      </AccordionDetails>
    </Accordion>
  );
}

function total(counts: SeverityCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function LastScan(props: { scan?: Scan }) {
  const { scan } = props;
  if (!scan) return null;
  return (
    <Typography variant="caption" color="textSecondary" display="block">
      Last scan: {scanStatusLabel(scan.status)} ·{' '}
      {formatDateTime(scan.finishedAt ?? scan.startedAt ?? scan.createdAt)}
    </Typography>
  );
}

/**
 * The same name the server gives the file: its Content-Disposition header is not readable from
 * the app when the backend is on another origin and does not expose it.
 */
export function entityCsvFilenameBase(entityRef: string): string {
  const safe = entityRef.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 120);
  return `security-posture-${safe}`;
}

function Layout(props: { children: React.ReactNode; entityRef?: string }) {
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard
          title="Security findings"
          action={
            props.entityRef ? (
              <Box pt={1} pr={1}>
                <ExportCsvButton
                  entityRef={props.entityRef}
                  filenameBase={entityCsvFilenameBase(props.entityRef)}
                  label="Download CSV"
                  size="small"
                  data-testid="entity-security-download-csv"
                />
              </Box>
            ) : undefined
          }
        >
          {props.children}
        </InfoCard>
      </Grid>
    </Grid>
  );
}

function EntitySecurityContentInner() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { data, error, isLoading } = useEntityFindings(entityRef);

  if (isLoading) {
    return <Progress />;
  }
  if (error instanceof ResponseError && error.response.status === 404) {
    // The server tells nothing about entities the user may not read: neither do we.
    return (
      <div data-testid="entity-security-unavailable">
        <EmptyState
          missing="info"
          title="No security information available"
          description="Security findings of this entity are not available to you."
        />
      </div>
    );
  }
  if (error) {
    return (
      <ResponseErrorPanel
        error={error}
        title="Could not load security findings"
      />
    );
  }
  if (!data) {
    return null;
  }
  // Counts-only answers say nothing about scans: only callers with details learn of "not scanned".
  if (data.visibility === 'details' && !data.lastScan) {
    return (
      <div data-testid="entity-security-not-scanned">
        <EmptyState
          missing="data"
          title="Not scanned yet"
          description="This entity has not been scanned yet: its findings appear after the next security scan."
        />
      </div>
    );
  }

  const open = total(data.counts);

  if (data.visibility === 'counts') {
    return (
      <Layout entityRef={data.entityRef}>
        <div data-testid="entity-security-counts">
          <Typography variant="body1" gutterBottom>
            {open === 0
              ? 'No open findings.'
              : `${plural(open, 'open finding')}.`}
          </Typography>
          <SeverityCountChips counts={data.counts} showZero />
          <Box mt={2}>
            <Alert severity="info">
              Finding details are visible to the entity&apos;s owners and the
              platform team. You see how many findings there are by severity,
              not what or where they are.
            </Alert>
          </Box>
        </div>
      </Layout>
    );
  }

  // Open findings first, exempted ones (which do not count) after them.
  const findings = [...data.findings].sort(
    (a, b) =>
      Number(a.status === 'exempted') - Number(b.status === 'exempted') ||
      compareSeverity(a.severity, b.severity) ||
      a.title.localeCompare(b.title),
  );
  const exempted = findings.filter(f => f.status === 'exempted').length;
  return (
    <Layout entityRef={data.entityRef}>
      <div data-testid="entity-security-details">
        <Box mb={1}>
          <Typography variant="body1" gutterBottom>
            {open === 0
              ? 'No open findings.'
              : `${plural(open, 'open finding')}.`}
          </Typography>
          <SeverityCountChips counts={data.counts} />
          {exempted ? (
            <Typography
              variant="body2"
              color="textSecondary"
              data-testid="entity-security-exempted"
            >
              {plural(exempted, 'exempted finding')} (not counted).
            </Typography>
          ) : null}
          <LastScan scan={data.lastScan} />
        </Box>
        {findings.length === 0 ? (
          <Typography variant="body1">
            No open findings for this entity.
          </Typography>
        ) : (
          findings.map((finding, index) => (
            <FindingItem
              key={finding.fingerprint}
              finding={finding}
              expanded={index < EXPANDED_FINDINGS}
            />
          ))
        )}
      </div>
    </Layout>
  );
}

/** The Security tab of an entity page. */
export function EntitySecurityContent() {
  return (
    <SecurityPostureQueryProvider>
      <EntitySecurityContentInner />
    </SecurityPostureQueryProvider>
  );
}
