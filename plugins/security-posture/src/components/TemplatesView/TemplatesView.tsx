import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import MuiLink from '@material-ui/core/Link';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import Alert from '@material-ui/lab/Alert';
import { useSearchParams } from 'react-router-dom';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { InfoCard } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  TEMPLATE_RISK_CHECK_ID,
  TEMPLATE_SCORES_KEY,
  templateRiskBand,
  TemplateRiskBand,
  TemplateRiskScore,
  TemplateScoresData,
} from '@security-posture/plugin-security-posture-common';
import {
  CategoryView,
  PublishedAt,
  PublishedData,
  useNoWrapHead,
} from '../CategoryView';
import { Locator } from '../Locator';
import { SeverityChip } from '../SeverityChip';
import { useChartTheme, VisuallyHidden } from '../charts';

const PARAM_TEMPLATE = 'template';

export const BAND_COLORS: Record<
  TemplateRiskBand,
  { background: string; text: string }
> = {
  none: { background: '#2e7d32', text: '#ffffff' },
  low: { background: '#fbc02d', text: '#212121' },
  medium: { background: '#ef6c00', text: '#ffffff' },
  high: { background: '#d32f2f', text: '#ffffff' },
  critical: { background: '#8e0000', text: '#ffffff' },
};

const useStyles = makeStyles(theme => ({
  selected: {
    backgroundColor: theme.palette.action.selected,
  },
  mono: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    overflowWrap: 'anywhere',
  },
  scoreBar: { width: 120, height: 8, borderRadius: 4 },
  name: { textAlign: 'left' },
  // Wider than the finding drawer: the contributions table has five columns.
  drawer: {
    width: 'min(880px, 100vw)',
    padding: theme.spacing(2, 3, 3),
  },
  drawerHeader: {
    display: 'flex',
    alignItems: 'flex-start',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
}));

export function BandChip(props: { band: TemplateRiskBand }) {
  const colors = BAND_COLORS[props.band] ?? BAND_COLORS.none;
  return (
    <Chip
      size="small"
      label={props.band === 'none' ? 'no risk' : props.band}
      style={{
        backgroundColor: colors.background,
        color: colors.text,
        fontWeight: 600,
      }}
    />
  );
}

/** Templates per score decile, each bar coloured by the band its range falls in. */
export function RiskHistogram(props: { histogram: number[] }) {
  const chart = useChartTheme();
  const rows = props.histogram.map((count, i) => ({
    range:
      i === props.histogram.length - 1
        ? `${i * 10}–100`
        : `${i * 10}–${i * 10 + 9}`,
    count,
    band: templateRiskBand(i * 10 + 5),
  }));
  return (
    <InfoCard
      title="Risk distribution"
      subheader="Templates per risk score range"
    >
      <div aria-hidden data-testid="risk-histogram">
        <ResponsiveContainer width="100%" height={200}>
          <BarChart data={rows} margin={{ left: 0, right: 8 }}>
            <CartesianGrid {...chart.grid} vertical={false} />
            <XAxis
              dataKey="range"
              {...chart.axis}
              interval={0}
              angle={-30}
              textAnchor="end"
              height={48}
            />
            <YAxis allowDecimals={false} {...chart.axis} width={32} />
            <Tooltip {...chart.tooltip} />
            <Bar dataKey="count" name="Templates" isAnimationActive={false}>
              {rows.map(row => (
                <Cell key={row.range} fill={BAND_COLORS[row.band].background} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <VisuallyHidden>
        <ul aria-label="Templates per risk score range">
          {rows.map(row => (
            <li key={row.range}>
              {row.range}: {row.count}
            </li>
          ))}
        </ul>
      </VisuallyHidden>
    </InfoCard>
  );
}

export function TemplateRanking(props: {
  templates: TemplateRiskScore[];
  selected?: string;
  onSelect: (entityRef: string) => void;
}) {
  const head = useNoWrapHead();
  const { templates, selected, onSelect } = props;
  const classes = useStyles();
  const ranked = [...templates].sort((a, b) => b.score - a.score);
  return (
    <InfoCard title="Templates ranked by risk" noPadding>
      {ranked.length === 0 ? (
        <Box p={2}>
          <Typography variant="body2" color="textSecondary">
            No scaffolder templates in the catalog.
          </Typography>
        </Box>
      ) : (
        <TableContainer>
          <Table
            size="small"
            aria-label="Templates ranked by risk"
            data-testid="template-ranking"
          >
            <TableHead className={head}>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>Template</TableCell>
                <TableCell>Owner</TableCell>
                <TableCell>Risk</TableCell>
                <TableCell align="right">Findings</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {ranked.map((template, index) => (
                <TableRow
                  key={template.entityRef}
                  hover
                  selected={template.entityRef === selected}
                  data-testid={`template-row-${template.entityRef}`}
                >
                  <TableCell>{index + 1}</TableCell>
                  <TableCell>
                    <MuiLink
                      component="button"
                      variant="body2"
                      className={classes.name}
                      onClick={() => onSelect(template.entityRef)}
                      aria-pressed={template.entityRef === selected}
                      data-testid={`template-open-${template.entityRef}`}
                    >
                      {template.title ?? template.entityRef}
                    </MuiLink>
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                      className={classes.mono}
                    >
                      {template.entityRef}
                      {template.legacy ? ' · legacy syntax' : ''}
                      {template.parseError ? ' · could not be parsed' : ''}
                    </Typography>
                  </TableCell>
                  <TableCell className={classes.mono}>
                    {template.owner ?? 'none'}
                  </TableCell>
                  <TableCell>
                    <Box display="flex" alignItems="center" style={{ gap: 8 }}>
                      <Typography
                        variant="body2"
                        style={{ minWidth: 28, fontWeight: 700 }}
                      >
                        {template.score}
                      </Typography>
                      <LinearProgress
                        variant="determinate"
                        value={Math.min(100, template.score)}
                        className={classes.scoreBar}
                        aria-label={`Risk score ${template.score} of 100`}
                      />
                      <BandChip band={template.band} />
                    </Box>
                  </TableCell>
                  <TableCell align="right">{template.findingCount}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </InfoCard>
  );
}

/**
 * One template's score, explained finding by finding (its step findings), in a side drawer
 * like the finding details: it opens where the user is, not below the fold.
 */
export function TemplateDetail(props: {
  template?: TemplateRiskScore;
  onClose: () => void;
}) {
  const { template, onClose } = props;
  const classes = useStyles();
  return (
    <Drawer
      anchor="right"
      open={Boolean(template)}
      onClose={onClose}
      classes={{ paper: classes.drawer }}
      PaperProps={
        {
          role: 'dialog',
          'aria-labelledby': 'template-detail-title',
        } as object
      }
      data-testid="template-detail-drawer"
    >
      {template ? (
        <TemplateDetailContent template={template} onClose={onClose} />
      ) : null}
    </Drawer>
  );
}

function TemplateDetailContent(props: {
  template: TemplateRiskScore;
  onClose: () => void;
}) {
  const head = useNoWrapHead();
  const { template, onClose } = props;
  const classes = useStyles();
  return (
    <>
      <div className={classes.drawerHeader}>
        <div>
          <Typography variant="overline" component="p">
            Template risk score
          </Typography>
          <Typography variant="h6" component="h2" id="template-detail-title">
            Why {template.title ?? template.entityRef} scores {template.score}
          </Typography>
          <Typography variant="body2" color="textSecondary">
            Findings add points; a score cap and permission gating take some
            away, and the worst finding sets a floor.
          </Typography>
        </div>
        <IconButton
          aria-label="Close template details"
          onClick={onClose}
          size="small"
          data-testid="template-detail-close"
        >
          <CloseIcon />
        </IconButton>
      </div>
      <div data-testid="template-detail">
        <Box
          display="flex"
          alignItems="center"
          style={{ gap: 8 }}
          mb={2}
          flexWrap="wrap"
        >
          <BandChip band={template.band} />
          <EntityRefLink entityRef={template.entityRef} />
          <Typography variant="body2" color="textSecondary">
            (its Security tab lists the findings with remediation)
          </Typography>
        </Box>
        {template.contributions.length === 0 ? (
          <Typography variant="body2" color="textSecondary">
            Nothing risky was found in this template.
          </Typography>
        ) : (
          <TableContainer>
            <Table size="small" aria-label="Score contributions">
              <TableHead className={head}>
                <TableRow>
                  <TableCell align="right">Points</TableCell>
                  <TableCell>Rule</TableCell>
                  <TableCell>Step</TableCell>
                  <TableCell>Where</TableCell>
                  <TableCell>Explanation</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {template.contributions.map((c, i) => (
                  <TableRow
                    key={`${c.kind}-${c.rule ?? ''}-${c.location ?? ''}-${i}`}
                  >
                    <TableCell align="right" style={{ fontWeight: 700 }}>
                      {c.points > 0 ? `+${c.points}` : c.points}
                    </TableCell>
                    <TableCell>
                      <Box
                        display="flex"
                        alignItems="center"
                        style={{ gap: 4 }}
                        flexWrap="wrap"
                      >
                        {c.severity ? (
                          <SeverityChip severity={c.severity} />
                        ) : null}
                        <Locator
                          variant="inline"
                          text={(c.kind === 'finding' ? c.rule : c.kind) ?? ''}
                        />
                      </Box>
                    </TableCell>
                    <TableCell>
                      <Locator variant="inline" text={c.stepId ?? '—'} />
                      {c.action ? <Locator text={c.action} /> : null}
                    </TableCell>
                    <TableCell style={{ minWidth: 160 }}>
                      <Locator
                        variant="inline"
                        text={
                          c.location ??
                          c.inputPath ??
                          (c.parameter ? `parameters.${c.parameter}` : '—')
                        }
                      />
                    </TableCell>
                    <TableCell>
                      <Typography variant="body2">{c.explanation}</Typography>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
        {template.diagnostics?.length ? (
          <Box mt={2} data-testid="template-diagnostics">
            <Typography variant="subtitle2">
              Not analysed ({template.diagnostics.length})
            </Typography>
            <Typography variant="body2" color="textSecondary">
              What the analyser could not read; these are not findings and add
              no points.
            </Typography>
            <ul>
              {template.diagnostics.map((d, i) => (
                <li key={`${d.location}-${i}`}>
                  <Typography variant="body2">
                    <span className={classes.mono}>{d.location}</span>:{' '}
                    {d.message}
                  </Typography>
                </li>
              ))}
            </ul>
          </Box>
        ) : null}
      </div>
    </>
  );
}

function TemplatesContent(props: { scores: TemplateScoresData }) {
  const { scores } = props;
  const [params, setParams] = useSearchParams();
  const selectedRef = params.get(PARAM_TEMPLATE) ?? undefined;
  const selected = scores.templates.find(t => t.entityRef === selectedRef);
  // Opening is a history entry (Back closes it, as for findings); closing replaces it.
  const select = (entityRef?: string) =>
    setParams(
      current => {
        const next = new URLSearchParams(current);
        if (entityRef) next.set(PARAM_TEMPLATE, entityRef);
        else next.delete(PARAM_TEMPLATE);
        return next;
      },
      { replace: !entityRef },
    );

  return (
    <Grid container spacing={2}>
      {scores.errors.length ? (
        <Grid item xs={12}>
          <Alert severity="warning">
            {scores.errors.length} template(s) could not be analysed:{' '}
            {scores.errors.map(e => e.entityRef).join(', ')}.
          </Alert>
        </Grid>
      ) : null}
      <Grid item xs={12} md={8}>
        <TemplateRanking
          templates={scores.templates}
          selected={selectedRef}
          onSelect={ref => select(ref === selectedRef ? undefined : ref)}
        />
      </Grid>
      <Grid item xs={12} md={4}>
        <RiskHistogram histogram={scores.histogram} />
        <Box mt={2}>
          <Typography variant="caption" color="textSecondary" display="block">
            Permission gating: {scores.permissionGating.reason}
          </Typography>
          <Typography variant="caption" color="textSecondary" display="block">
            Installed actions list:{' '}
            {scores.actionsList.available
              ? `${scores.actionsList.actionCount ?? 'some'} actions known`
              : `not available${
                  scores.actionsList.message
                    ? ` (${scores.actionsList.message})`
                    : ''
                }`}
          </Typography>
          <PublishedAt at={scores.generatedAt} />
        </Box>
      </Grid>
      <TemplateDetail template={selected} onClose={() => select(undefined)} />
    </Grid>
  );
}

/** Templates: ranked by risk, with a histogram and the explanation of each score. */
export function TemplatesView() {
  return (
    <CategoryView
      category="templates"
      intro="Scaffolder templates run with the backend's credentials. Each template gets a risk score from what its steps do with user input (paths, URLs, shell, secrets, destructive actions); select one to see its score explained step by step."
    >
      <Grid item xs={12}>
        <PublishedData<TemplateScoresData>
          checkId={TEMPLATE_RISK_CHECK_ID}
          dataKey={TEMPLATE_SCORES_KEY}
          what="template risk scores"
        >
          {scores => <TemplatesContent scores={scores} />}
        </PublishedData>
      </Grid>
    </CategoryView>
  );
}
