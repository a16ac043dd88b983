import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Divider from '@material-ui/core/Divider';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import GetAppIcon from '@material-ui/icons/GetApp';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  EvidenceValue,
  Finding,
  Scan,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';
import { securityPostureApiRef } from '../../api';
import { useEntityFindings } from '../../hooks';
import { SecurityPostureQueryProvider } from '../../queryClient';
import { SeverityChip, SeverityCountChips } from '../SeverityChip';
import { saveDownload } from '../../utils/download';
import { errorMessage } from '../../utils/errors';
import {
  categoryLabel,
  formatDate,
  formatDateTime,
  scanStatusLabel,
} from '../../utils/format';

const useStyles = makeStyles(theme => ({
  finding: {
    padding: theme.spacing(2, 0),
  },
  heading: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
  },
  evidence: {
    margin: theme.spacing(1, 0),
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    '& dt': { fontWeight: 600 },
    '& dd': { margin: 0, fontFamily: 'monospace', wordBreak: 'break-all' },
  },
}));

function evidenceText(value: EvidenceValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

function FindingItem(props: { finding: Finding }) {
  const { finding } = props;
  const classes = useStyles();
  const evidence = Object.entries(finding.evidence ?? {});
  return (
    <div
      className={classes.finding}
      data-testid={`entity-finding-${finding.fingerprint}`}
    >
      <div className={classes.heading}>
        <SeverityChip severity={finding.severity} />
        <Typography variant="subtitle1" component="h3">
          {finding.title}
        </Typography>
        <Chip
          size="small"
          variant="outlined"
          label={categoryLabel(finding.category)}
        />
        {finding.status === 'resolved' ? (
          <Chip size="small" label="Resolved" />
        ) : null}
      </div>
      {finding.message ? (
        <Typography variant="body2">{finding.message}</Typography>
      ) : null}
      {finding.location ? (
        <Typography variant="body2" color="textSecondary">
          Location: <code>{finding.location}</code>
        </Typography>
      ) : null}
      {evidence.length > 0 ? (
        <dl className={classes.evidence} aria-label="Evidence">
          {evidence.map(([key, value]) => (
            <Box key={key} display="contents">
              <dt>{key}</dt>
              <dd>{evidenceText(value)}</dd>
            </Box>
          ))}
        </dl>
      ) : null}
      {finding.remediation ? (
        <Typography variant="body2">
          <strong>Remediation:</strong> {finding.remediation}
          {finding.docsUrl ? (
            <>
              {' '}
              <Link to={finding.docsUrl}>Learn more</Link>
            </>
          ) : null}
        </Typography>
      ) : null}
      <Typography variant="caption" color="textSecondary">
        First seen {formatDate(finding.firstSeenAt)} · check {finding.checkId}
      </Typography>
    </div>
  );
}

function DownloadCsvButton(props: { entityRef: string }) {
  const api = useApi(securityPostureApiRef);
  const alertApi = useApi(alertApiRef);
  const [busy, setBusy] = useState(false);
  const onClick = async () => {
    setBusy(true);
    try {
      saveDownload(await api.downloadEntityFindingsCsv(props.entityRef));
    } catch (error) {
      alertApi.post({
        message: `CSV download failed: ${errorMessage(error)}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      variant="outlined"
      color="primary"
      size="small"
      startIcon={<GetAppIcon />}
      onClick={onClick}
      disabled={busy}
      data-testid="entity-security-download-csv"
    >
      Download CSV
    </Button>
  );
}

function total(counts: SeverityCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function LastScan(props: { scan?: Scan }) {
  const { scan } = props;
  return (
    <Typography variant="caption" color="textSecondary" display="block">
      {scan
        ? `Last scan: ${scanStatusLabel(scan.status)} · ${formatDateTime(
            scan.finishedAt ?? scan.startedAt ?? scan.createdAt,
          )}`
        : 'This entity has not been scanned yet.'}
    </Typography>
  );
}

function EntitySecurityContentInner() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { data, error, isLoading } = useEntityFindings(entityRef);

  if (isLoading) {
    return <Progress />;
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

  if (data.visibility === 'counts') {
    const open = total(data.counts);
    return (
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <InfoCard title="Security findings">
            <div data-testid="entity-security-counts">
              <Typography variant="body1" gutterBottom>
                {open === 0
                  ? 'No open findings.'
                  : `${open} open finding${open === 1 ? '' : 's'}.`}
              </Typography>
              <SeverityCountChips counts={data.counts} showZero />
              <Box mt={2}>
                <Alert severity="info">
                  Finding details are visible to the entity&apos;s owners and
                  the platform team.
                </Alert>
              </Box>
              <Box mt={1}>
                <LastScan scan={data.lastScan} />
              </Box>
            </div>
          </InfoCard>
        </Grid>
      </Grid>
    );
  }

  const findings = data.findings;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard
          title="Security findings"
          action={
            <Box pt={1} pr={1}>
              <DownloadCsvButton entityRef={data.entityRef} />
            </Box>
          }
        >
          <div data-testid="entity-security-details">
            <SeverityCountChips counts={data.counts} />
            <LastScan scan={data.lastScan} />
            {findings.length === 0 ? (
              <Box mt={2}>
                <Typography variant="body1">
                  No open findings for this entity.
                </Typography>
              </Box>
            ) : (
              findings.map((finding, index) => (
                <div key={finding.fingerprint}>
                  {index > 0 ? <Divider /> : null}
                  <FindingItem finding={finding} />
                </div>
              ))
            )}
          </div>
        </InfoCard>
      </Grid>
    </Grid>
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
