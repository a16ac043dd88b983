import { useMemo } from 'react';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import MuiLink from '@material-ui/core/Link';
import Switch from '@material-ui/core/Switch';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import LockIcon from '@material-ui/icons/Lock';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  CATALOG_SECRET_KINDS,
  CatalogSecretKind,
  compareSeverity,
  emptySeverityCounts,
  Finding,
  SENSITIVE_REFERENCE_CLASSES,
  BuiltInSensitiveReferenceClass,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';
import { useFindingDrawerParam, useFindings } from '../../hooks';
import { CategoryView, useNoWrapHead } from '../CategoryView';
import { SeverityChip, SeverityCountChips } from '../SeverityChip';
import { useSearchParams } from 'react-router-dom';
import { plural } from '../../utils/format';
import {
  checksumExplanation,
  isSecretFinding,
  MASKED_SECRET_EXPLANATION,
  MASKED_SECRET_LABEL,
} from '../../utils/evidence';
import { Locator } from '../Locator';

/** `?secrets=only`: the "Secrets only" switch, kept in the URL like the table's filters. */
export const PARAM_SECRETS = 'secrets';

/** The API's largest page; the view says so when there are more. */
const MAX_FINDINGS = 500;
const NO_OWNER = '';

const useStyles = makeStyles(theme => ({
  summary: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    flexWrap: 'wrap',
    width: '100%',
  },
  mask: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: 4,
    fontFamily: 'monospace',
  },
  controls: { display: 'flex', gap: theme.spacing(2), flexWrap: 'wrap' },
}));

/** What the "Masked secret" column says about a finding: its mask, or why it has none. */
function MaskedValue(props: { finding: Finding }) {
  const { finding } = props;
  const classes = useStyles();
  const evidence = finding.evidence ?? {};
  if (typeof evidence.secretMask === 'string') {
    const checksum = checksumExplanation(evidence.checksum);
    return (
      <>
        <Tooltip
          title={`${MASKED_SECRET_LABEL} (${MASKED_SECRET_EXPLANATION})`}
        >
          <span className={classes.mask}>
            <LockIcon fontSize="inherit" aria-hidden />
            {evidence.secretMask}
          </span>
        </Tooltip>
        {evidence.checksum === 'invalid' && checksum ? (
          <Typography
            variant="caption"
            color="textSecondary"
            display="block"
            data-testid="checksum-note"
          >
            Checksum invalid: {checksum.replace(/^The token's built-in /, '')}
          </Typography>
        ) : null}
      </>
    );
  }
  let text = 'sensitive reference (no secret value)';
  if (isSecretFinding(finding)) {
    text = 'secret (mask not available)';
  } else if (
    Array.isArray(evidence.secretKinds) &&
    evidence.secretKinds.length > 0
  ) {
    text = 'exposure of the leaked secrets listed with their own masks';
  }
  return (
    <Typography variant="caption" color="textSecondary">
      {text}
    </Typography>
  );
}

/**
 * Where in the entity a finding is. A sensitive-reference finding covers one class and lists its
 * fields: the first, and how many more (the drawer's evidence lists them). Findings written
 * before version 2 of that check name their one field in the location.
 */
export function catalogFindingPlace(finding: Finding): string {
  const fields = finding.evidence?.fields;
  if (
    finding.checkId === 'catalog/sensitive-reference' &&
    Array.isArray(fields) &&
    fields.length > 0
  ) {
    const count = finding.evidence?.fieldCount;
    const more = (typeof count === 'number' ? count : fields.length) - 1;
    return more > 0 ? `${fields[0]} and ${more} more` : fields[0];
  }
  return finding.location ?? String(finding.evidence?.field ?? '—');
}

/** What kind of secret or reference a finding is about, in words. */
export function catalogFindingKind(finding: Finding): string {
  const kind = finding.evidence?.secretKind;
  if (typeof kind === 'string') {
    const label =
      CATALOG_SECRET_KINDS[kind as CatalogSecretKind]?.label ?? kind;
    return finding.evidence?.classification === 'example'
      ? `${label} (documentation example)`
      : label;
  }
  const referenceClass =
    finding.evidence?.referenceClass ?? finding.evidence?.class;
  if (typeof referenceClass === 'string') {
    return (
      SENSITIVE_REFERENCE_CLASSES[
        referenceClass as BuiltInSensitiveReferenceClass
      ]?.label ?? referenceClass
    );
  }
  return finding.title;
}

interface OwnerGroup {
  owner: string;
  findings: Finding[];
  counts: SeverityCounts;
  entities: number;
}

/** Groups findings by owner (a finding with two owners shows under both), worst group first. */
export function groupByOwner(findings: Finding[]): OwnerGroup[] {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const owners = finding.owners.length ? finding.owners : [NO_OWNER];
    for (const owner of owners) {
      groups.set(owner, [...(groups.get(owner) ?? []), finding]);
    }
  }
  return [...groups.entries()]
    .map(([owner, items]) => {
      const counts = emptySeverityCounts();
      items.forEach(f => {
        counts[f.severity] += 1;
      });
      items.sort(
        (a, b) =>
          compareSeverity(a.severity, b.severity) ||
          (a.entityRef ?? '').localeCompare(b.entityRef ?? ''),
      );
      return {
        owner,
        findings: items,
        counts,
        entities: new Set(items.map(f => f.entityRef)).size,
      };
    })
    .sort(
      (a, b) =>
        compareSeverity(a.findings[0].severity, b.findings[0].severity) ||
        b.findings.length - a.findings.length ||
        a.owner.localeCompare(b.owner),
    );
}

function OwnerFindings(props: {
  group: OwnerGroup;
  onOpen: (fingerprint: string) => void;
  defaultExpanded: boolean;
}) {
  const head = useNoWrapHead();
  const { group, onOpen, defaultExpanded } = props;
  const classes = useStyles();
  const id = `owner-${group.owner || 'none'}`.replace(/[^a-zA-Z0-9-]/g, '-');
  return (
    <Accordion
      defaultExpanded={defaultExpanded}
      data-testid={`owner-group-${group.owner || 'none'}`}
    >
      <AccordionSummary
        expandIcon={<ExpandMoreIcon />}
        aria-controls={`${id}-content`}
        id={`${id}-header`}
      >
        <div className={classes.summary}>
          <Typography variant="subtitle1" component="h3">
            {group.owner ? (
              <EntityRefLink entityRef={group.owner} defaultKind="group" />
            ) : (
              'No owner'
            )}
          </Typography>
          <Typography variant="body2" color="textSecondary">
            {plural(group.findings.length, 'finding')} in{' '}
            {plural(group.entities, 'entity', 'entities')}
          </Typography>
          <SeverityCountChips counts={group.counts} />
        </div>
      </AccordionSummary>
      <AccordionDetails>
        <Table
          size="small"
          aria-label={`Findings of ${group.owner || 'entities without owner'}`}
        >
          <TableHead className={head}>
            <TableRow>
              <TableCell>Severity</TableCell>
              <TableCell>Entity</TableCell>
              <TableCell>What</TableCell>
              <TableCell>Where</TableCell>
              <TableCell>{MASKED_SECRET_LABEL}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {group.findings.map(finding => (
              <TableRow
                key={finding.fingerprint}
                data-testid={`catalog-finding-${finding.fingerprint}`}
              >
                <TableCell>
                  <SeverityChip severity={finding.severity} />
                </TableCell>
                <TableCell>
                  {finding.entityRef ? (
                    <EntityRefLink entityRef={finding.entityRef} />
                  ) : (
                    '—'
                  )}
                </TableCell>
                <TableCell>
                  <MuiLink
                    component="button"
                    variant="body2"
                    onClick={() => onOpen(finding.fingerprint)}
                    style={{ textAlign: 'left' }}
                  >
                    {catalogFindingKind(finding)}
                  </MuiLink>
                </TableCell>
                <TableCell>
                  <Locator
                    variant="inline"
                    text={catalogFindingPlace(finding)}
                  />
                </TableCell>
                <TableCell>
                  <MaskedValue finding={finding} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </AccordionDetails>
    </Accordion>
  );
}

export function CatalogByOwner() {
  const classes = useStyles();
  const drawer = useFindingDrawerParam();
  const [params, setParams] = useSearchParams();
  const secretsOnly = params.get(PARAM_SECRETS) === 'only';
  // A history entry, like the table's filters: Back undoes the switch.
  const setSecretsOnly = (only: boolean) =>
    setParams(current => {
      const next = new URLSearchParams(current);
      if (only) next.set(PARAM_SECRETS, 'only');
      else next.delete(PARAM_SECRETS);
      return next;
    });
  const { data, error, isLoading } = useFindings({
    category: ['catalog'],
    status: ['open'],
    orderBy: 'severity',
    order: 'asc',
    limit: MAX_FINDINGS,
  });
  const groups = useMemo(
    () =>
      groupByOwner(
        (data?.items ?? []).filter(f => !secretsOnly || isSecretFinding(f)),
      ),
    [data, secretsOnly],
  );

  let body;
  if (isLoading) {
    body = <Progress />;
  } else if (error) {
    body = (
      <ResponseErrorPanel
        error={error}
        title="Could not load catalog findings"
      />
    );
  } else if (!data || data.items.length === 0) {
    body = (
      <Typography
        variant="body2"
        color="textSecondary"
        data-testid="catalog-empty"
      >
        No entity exposes secrets or sensitive references.
      </Typography>
    );
  } else {
    body = (
      <>
        <div className={classes.controls}>
          <FormControlLabel
            control={
              <Switch
                checked={secretsOnly}
                onChange={e => setSecretsOnly(e.target.checked)}
                color="primary"
                data-testid="catalog-secrets-only"
              />
            }
            label="Secrets only"
          />
        </div>
        {data.totalItems > data.items.length ? (
          <Typography variant="caption" color="textSecondary" display="block">
            Showing the {data.items.length} worst of {data.totalItems} findings;
            the table below and the CSV export have them all.
          </Typography>
        ) : null}
        <Box mt={1} data-testid="catalog-owner-groups">
          {groups.map((group, i) => (
            <OwnerFindings
              key={group.owner}
              group={group}
              onOpen={drawer.open}
              defaultExpanded={i < 3}
            />
          ))}
        </Box>
      </>
    );
  }

  return (
    <InfoCard
      title="Entities with secrets or sensitive references, by owner"
      subheader={`Secrets appear only as a mask (${MASKED_SECRET_EXPLANATION}).`}
    >
      {/* The view's findings table below renders the drawer this opens (one drawer per view). */}
      {body}
    </InfoCard>
  );
}

/** Catalog: who exposes what, grouped by the owners who can fix it. */
export function CatalogView() {
  return (
    <CategoryView
      category="catalog"
      intro="Catalog entities are readable by every signed-in user. Credentials in annotations, descriptions or links leak to all of them; references to secret stores, incident routing and internal endpoints help an attacker find the next target."
    >
      <Grid item xs={12}>
        <CatalogByOwner />
      </Grid>
    </CategoryView>
  );
}
