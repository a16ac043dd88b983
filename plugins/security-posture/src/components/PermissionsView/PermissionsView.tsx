import { useMemo } from 'react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import Switch from '@material-ui/core/Switch';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { InfoCard } from '@backstage/core-components';
import { useSearchParams } from 'react-router-dom';
import {
  CoverageDecision,
  CoveragePrincipal,
  PermissionCoverageMatrix,
  POLICY_COVERAGE_CHECK_ID,
  POLICY_COVERAGE_MATRIX_KEY,
} from '@security-posture/plugin-security-posture-common';
import { CategoryView, PublishedAt, PublishedData } from '../CategoryView';

const useStyles = makeStyles(theme => ({
  controls: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  container: {
    maxHeight: 640,
  },
  sticky: {
    position: 'sticky',
    left: 0,
    zIndex: 2,
    backgroundColor: theme.palette.background.paper,
    minWidth: 260,
  },
  headCell: {
    verticalAlign: 'bottom',
    minWidth: 120,
  },
  sensitive: {
    boxShadow: `inset 4px 0 0 ${theme.palette.error.main}`,
  },
  sensitiveSticky: {
    backgroundColor: theme.palette.type === 'dark' ? '#3b2323' : '#fdecea',
  },
  mono: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    overflowWrap: 'anywhere',
  },
  cell: { fontWeight: 700, minWidth: 96 },
}));

/** Principals that must not reach sensitive permissions: an ALLOW there is a hole. */
const UNTRUSTED = new Set(['unauthenticated', 'guest', 'user-owns-nothing']);

const DECISION_STYLES: Record<
  CoverageDecision['result'],
  { background: string; text: string }
> = {
  ALLOW: { background: '#2e7d32', text: '#ffffff' },
  DENY: { background: '#455a64', text: '#ffffff' },
  CONDITIONAL: { background: '#1565c0', text: '#ffffff' },
  ERROR: { background: '#6a1b9a', text: '#ffffff' },
  NOT_EVALUATED: { background: 'transparent', text: 'inherit' },
};

function decisionTitle(decision: CoverageDecision): string {
  switch (decision.result) {
    case 'CONDITIONAL':
      return `Conditional: ${decision.rules.join(', ') || 'no rules named'}`;
    case 'ERROR':
      return `Error: ${decision.message}`;
    case 'NOT_EVALUATED':
      return `Not evaluated${decision.reason ? `: ${decision.reason}` : ''}`;
    default:
      return decision.result;
  }
}

export function DecisionCell(props: {
  decision?: CoverageDecision;
  principal: CoveragePrincipal;
  sensitive: boolean;
}) {
  const { decision, principal, sensitive } = props;
  const classes = useStyles();
  if (!decision) {
    return <TableCell align="center">—</TableCell>;
  }
  const hole =
    decision.result === 'ALLOW' && sensitive && UNTRUSTED.has(principal.kind);
  const style = hole
    ? { background: '#c62828', text: '#ffffff' }
    : DECISION_STYLES[decision.result];
  const label = decision.result === 'NOT_EVALUATED' ? 'n/a' : decision.result;
  return (
    <TableCell align="center">
      <Tooltip title={decisionTitle(decision)}>
        <Chip
          size="small"
          label={hole ? `${label} ⚠` : label}
          className={classes.cell}
          variant={decision.result === 'NOT_EVALUATED' ? 'outlined' : 'default'}
          style={{ backgroundColor: style.background, color: style.text }}
          aria-label={`${principal.label}: ${decisionTitle(decision)}${
            hole ? ' (sensitive permission open to an untrusted principal)' : ''
          }`}
          tabIndex={0}
        />
      </Tooltip>
    </TableCell>
  );
}

const SOURCE_LABELS: Record<CoveragePrincipal['source'], string> = {
  live: 'live request',
  'policy-evaluation': 'policy evaluated',
  'not-available': 'not available',
};

const PARAM_PLUGIN = 'plugin';
const PARAM_SENSITIVE = 'sensitive';
const PARAM_PERMISSION = 'permission';

/** The matrix with its own filters (plugin, sensitive only, name), kept in the URL. */
export function CoverageMatrix(props: { matrix: PermissionCoverageMatrix }) {
  const { matrix } = props;
  const classes = useStyles();
  const [params, setParams] = useSearchParams();
  const plugin = params.get(PARAM_PLUGIN) ?? '';
  const sensitiveOnly = params.get(PARAM_SENSITIVE) === 'true';
  const nameFilter = params.get(PARAM_PERMISSION) ?? '';

  const setParam = (name: string, value: string) =>
    setParams(
      current => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );

  const decisions = useMemo(() => {
    const map = new Map<string, CoverageDecision>();
    for (const cell of matrix.cells) {
      map.set(`${cell.permission}\u0000${cell.principal}`, cell.decision);
    }
    return map;
  }, [matrix.cells]);

  const pluginIds = useMemo(
    () => [...new Set(matrix.permissions.map(p => p.pluginId))].sort(),
    [matrix.permissions],
  );
  const rows = matrix.permissions
    .filter(p => !plugin || p.pluginId === plugin)
    .filter(p => !sensitiveOnly || p.sensitive)
    .filter(
      p =>
        !nameFilter ||
        p.name
          .toLocaleLowerCase('en-US')
          .includes(nameFilter.toLocaleLowerCase('en-US')),
    )
    // Sensitive first, then by plugin and name: the rows that matter on top.
    .sort(
      (a, b) =>
        Number(b.sensitive) - Number(a.sensitive) ||
        a.pluginId.localeCompare(b.pluginId) ||
        a.name.localeCompare(b.name),
    );
  const sensitiveCount = matrix.permissions.filter(p => p.sensitive).length;

  return (
    <InfoCard
      title="Coverage matrix"
      subheader={`${matrix.permissions.length} registered permissions (${sensitiveCount} sensitive) × ${matrix.principals.length} principals`}
    >
      <div className={classes.controls}>
        <FormControl size="small" style={{ minWidth: 180 }}>
          <InputLabel id="matrix-plugin-label">Plugin</InputLabel>
          <Select
            labelId="matrix-plugin-label"
            id="matrix-plugin"
            value={plugin}
            onChange={event =>
              setParam(PARAM_PLUGIN, event.target.value as string)
            }
            data-testid="matrix-plugin-filter"
          >
            <MenuItem value="">All plugins</MenuItem>
            {pluginIds.map(id => (
              <MenuItem key={id} value={id}>
                {id}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <TextField
          size="small"
          label="Permission"
          value={nameFilter}
          onChange={event =>
            setParam(PARAM_PERMISSION, event.target.value.slice(0, 100))
          }
          inputProps={{ 'data-testid': 'matrix-permission-filter' }}
        />
        <FormControlLabel
          control={
            <Switch
              checked={sensitiveOnly}
              onChange={event =>
                setParam(PARAM_SENSITIVE, event.target.checked ? 'true' : '')
              }
              color="primary"
              inputProps={{ 'aria-label': 'Sensitive permissions only' }}
              data-testid="matrix-sensitive-only"
            />
          }
          label="Sensitive only"
        />
      </div>
      {rows.length === 0 ? (
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid="matrix-empty"
        >
          {matrix.permissions.length === 0
            ? 'No registered permissions were found.'
            : 'No permission matches these filters.'}
        </Typography>
      ) : (
        <TableContainer className={classes.container}>
          <Table
            size="small"
            stickyHeader
            aria-label="Permission coverage matrix"
            data-testid="coverage-matrix"
          >
            <TableHead>
              <TableRow>
                <TableCell
                  className={`${classes.sticky} ${classes.headCell}`}
                  style={{ zIndex: 3 }}
                >
                  Permission
                </TableCell>
                {matrix.principals.map(principal => (
                  <TableCell
                    key={principal.id}
                    align="center"
                    className={classes.headCell}
                    title={principal.note}
                  >
                    {principal.label}
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                    >
                      {SOURCE_LABELS[principal.source] ?? principal.source}
                    </Typography>
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map(permission => (
                <TableRow
                  key={permission.name}
                  className={
                    permission.sensitive ? classes.sensitive : undefined
                  }
                  data-testid={`matrix-row-${permission.name}`}
                  data-sensitive={permission.sensitive ? 'true' : 'false'}
                >
                  <TableCell
                    component="th"
                    scope="row"
                    className={`${classes.sticky} ${
                      permission.sensitive ? classes.sensitiveSticky : ''
                    }`}
                  >
                    <span className={classes.mono}>{permission.name}</span>
                    <Box
                      display="flex"
                      style={{ gap: 4 }}
                      mt={0.5}
                      flexWrap="wrap"
                    >
                      <Chip
                        size="small"
                        variant="outlined"
                        label={permission.pluginId}
                      />
                      <Chip
                        size="small"
                        variant="outlined"
                        label={
                          permission.type === 'resource'
                            ? `resource: ${permission.resourceType ?? '?'}`
                            : 'basic'
                        }
                      />
                      {permission.sensitive ? (
                        <Chip
                          size="small"
                          color="secondary"
                          label="Sensitive"
                        />
                      ) : null}
                    </Box>
                  </TableCell>
                  {matrix.principals.map(principal => (
                    <DecisionCell
                      key={principal.id}
                      principal={principal}
                      sensitive={permission.sensitive}
                      decision={decisions.get(
                        `${permission.name}\u0000${principal.id}`,
                      )}
                    />
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      <Box mt={1}>
        <Typography variant="caption" color="textSecondary" display="block">
          ALLOW ⚠ marks a sensitive permission granted to an anonymous client, a
          guest or a user who owns nothing. CONDITIONAL cells name the rules of
          the conditional decision.
        </Typography>
        <PublishedAt at={matrix.generatedAt} />
      </Box>
    </InfoCard>
  );
}

function MatrixContext(props: { matrix: PermissionCoverageMatrix }) {
  const { matrix } = props;
  const failed = matrix.plugins.filter(p => p.status === 'error');
  return (
    <Grid container spacing={2}>
      {!matrix.frameworkEnabled ? (
        <Grid item xs={12}>
          <Alert severity="error" data-testid="framework-disabled">
            The permission framework is disabled (permission.enabled is not
            true): every authorize call answers ALLOW, whatever a policy says.
          </Alert>
        </Grid>
      ) : null}
      {!matrix.policyRegistered ? (
        <Grid item xs={12}>
          <Alert severity="info">
            No policy is registered for evaluation: principals that cannot be
            signed in for real are not evaluated.
          </Alert>
        </Grid>
      ) : null}
      {matrix.restrictedShareForOrdinaryUser !== undefined ? (
        <Grid item xs={12}>
          <Typography variant="body2" data-testid="restricted-share">
            {Math.round(matrix.restrictedShareForOrdinaryUser * 100)}% of the
            registered permissions are not simply allowed for a user who owns
            nothing.
          </Typography>
        </Grid>
      ) : null}
      {failed.length > 0 ? (
        <Grid item xs={12}>
          <Alert severity="warning">
            Permissions of{' '}
            {failed
              .map(p => `${p.pluginId} (${p.message ?? 'error'})`)
              .join(', ')}{' '}
            could not be listed: their rows are missing.
          </Alert>
        </Grid>
      ) : null}
      {matrix.notes.length > 0 ? (
        <Grid item xs={12}>
          <Typography variant="caption" color="textSecondary" component="ul">
            {matrix.notes.map(note => (
              <li key={note}>{note}</li>
            ))}
          </Typography>
        </Grid>
      ) : null}
    </Grid>
  );
}

/** Permissions: which principal may do what, permission by permission. */
export function PermissionsView() {
  return (
    <CategoryView
      category="permissions"
      intro="Every permission the installed plugins register, against the principals that matter: an anonymous client, a guest, a user who owns nothing, an owner and the platform team. Sensitive permissions (deletes, runs, secrets, administration) come first."
    >
      <Grid item xs={12}>
        <PublishedData<PermissionCoverageMatrix>
          checkId={POLICY_COVERAGE_CHECK_ID}
          dataKey={POLICY_COVERAGE_MATRIX_KEY}
          what="coverage matrix"
        >
          {matrix => (
            <>
              <MatrixContext matrix={matrix} />
              <Box mt={2}>
                <CoverageMatrix matrix={matrix} />
              </Box>
            </>
          )}
        </PublishedData>
      </Grid>
    </CategoryView>
  );
}
