import { Fragment, useMemo, useState } from 'react';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Collapse from '@material-ui/core/Collapse';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import IconButton from '@material-ui/core/IconButton';
import Switch from '@material-ui/core/Switch';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TableSortLabel from '@material-ui/core/TableSortLabel';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import KeyboardArrowDownIcon from '@material-ui/icons/KeyboardArrowDown';
import KeyboardArrowUpIcon from '@material-ui/icons/KeyboardArrowUp';
import { InfoCard, Link } from '@backstage/core-components';
import {
  compareSeverity,
  InventoryPackage,
  PluginInventory,
  VersionsBehind,
} from '@security-posture/plugin-security-posture-common';
import {
  CategoryView,
  PublishedAt,
  PublishedData,
  useNoWrapHead,
} from '../CategoryView';
import { SeverityChip } from '../SeverityChip';
import { AdvisorySources } from './AdvisorySources';
import { formatDate } from '../../utils/format';

/** The check that publishes the inventory (see security-posture-common data/plugins.ts). */
export const PLUGIN_INVENTORY_CHECK_ID = 'plugins/inventory';
export const PLUGIN_INVENTORY_KEY = 'inventory';

const useStyles = makeStyles(theme => ({
  controls: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  },
  mono: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    overflowWrap: 'anywhere',
  },
  vulnerable: {
    boxShadow: `inset 4px 0 0 ${theme.palette.error.main}`,
  },
  detail: {
    padding: theme.spacing(1, 2, 2),
  },
  chips: { display: 'flex', gap: 4, flexWrap: 'wrap', marginTop: 4 },
}));

/** `1 major (breaking)`, `3 minor`, `2 patch`, `up to date`. */
export function behindText(behind?: VersionsBehind): string {
  if (!behind) return 'unknown';
  const parts: string[] = [];
  if (behind.major) parts.push(`${behind.major} major`);
  else if (behind.minor) parts.push(`${behind.minor} minor`);
  else if (behind.patch) parts.push(`${behind.patch} patch`);
  if (parts.length === 0) return 'up to date';
  if (behind.breaking) parts.push('(breaking)');
  return parts.join(' ');
}

function behindRank(behind?: VersionsBehind): number {
  if (!behind) return -1;
  return behind.major * 1_000_000 + behind.minor * 1_000 + behind.patch;
}

type SortKey = 'name' | 'behind' | 'lastPublishedAt' | 'advisories';

function worstAdvisoryRank(pkg: InventoryPackage): number {
  // Lower is worse; packages without advisories last.
  return pkg.advisories.reduce(
    (worst, a) =>
      Math.min(
        worst,
        ['critical', 'high', 'medium', 'low', 'info'].indexOf(a.severity),
      ),
    99,
  );
}

function compare(
  a: InventoryPackage,
  b: InventoryPackage,
  key: SortKey,
): number {
  switch (key) {
    case 'behind':
      return behindRank(b.behind) - behindRank(a.behind);
    case 'lastPublishedAt':
      return (b.lastPublishedAt ?? '').localeCompare(a.lastPublishedAt ?? '');
    case 'advisories':
      return (
        worstAdvisoryRank(a) - worstAdvisoryRank(b) ||
        b.advisories.length - a.advisories.length
      );
    default:
      return a.name.localeCompare(b.name);
  }
}

/** Who pulls a transitive package in, from the lockfile: the owner of the fix. */
function PulledInBy(props: { pkg: InventoryPackage }) {
  const classes = useStyles();
  const { pkg } = props;
  if (!pkg.pulledInBy?.length || !pkg.dependencyPaths?.length) return null;
  return (
    <Box mt={1} data-testid={`pulled-in-by-${pkg.name}`}>
      <Typography variant="body2">
        Pulled in by <strong>{pkg.pulledInBy.join(', ')}</strong>
        {pkg.scope === 'development' ? ' (development only)' : ''}
      </Typography>
      <Typography variant="caption" component="ul" color="textSecondary">
        {pkg.dependencyPaths.map(p => (
          <li
            key={`${p.lockfile}:${p.workspace}:${p.chain.join('>')}:${
              p.version
            }`}
          >
            <span className={classes.mono}>
              {p.workspace || `${p.lockfile} root`} › {p.chain.join(' › ')}@
              {p.version}
            </span>{' '}
            ({p.via})
          </li>
        ))}
      </Typography>
    </Box>
  );
}

function PackageRow(props: { pkg: InventoryPackage }) {
  const head = useNoWrapHead();
  const { pkg } = props;
  const classes = useStyles();
  const [open, setOpen] = useState(false);
  const advisories = [...pkg.advisories].sort((a, b) =>
    compareSeverity(a.severity, b.severity),
  );
  const detailId = `advisories-${pkg.name.replace(/[^a-zA-Z0-9-]/g, '-')}`;
  return (
    <Fragment>
      <TableRow
        className={advisories.length ? classes.vulnerable : undefined}
        data-testid={`package-row-${pkg.name}`}
      >
        <TableCell padding="checkbox">
          {advisories.length ? (
            <IconButton
              size="small"
              aria-label={`${open ? 'Hide' : 'Show'} advisories of ${pkg.name}`}
              aria-expanded={open}
              aria-controls={detailId}
              onClick={() => setOpen(!open)}
            >
              {open ? <KeyboardArrowUpIcon /> : <KeyboardArrowDownIcon />}
            </IconButton>
          ) : null}
        </TableCell>
        <TableCell>
          <span className={classes.mono}>{pkg.name}</span>
          <div className={classes.chips}>
            <Chip size="small" variant="outlined" label={pkg.kind} />
            {pkg.core ? (
              <Chip size="small" variant="outlined" label="core" />
            ) : null}
            {pkg.loaded ? (
              <Chip size="small" variant="outlined" label="loaded" />
            ) : null}
            {pkg.scope === 'development' ? (
              <Chip
                size="small"
                variant="outlined"
                label="dev only"
                title="Reached only through devDependencies (or workspaces the backend and app do not load): not deployed, so its advisories count at most low"
              />
            ) : null}
            {pkg.deprecated ? (
              <Chip
                size="small"
                color="secondary"
                label="deprecated"
                title={pkg.deprecated}
              />
            ) : null}
          </div>
        </TableCell>
        <TableCell className={classes.mono}>
          {pkg.installedVersions.join(', ') || '—'}
          {pkg.installedVersions.length > 1 ? (
            <Typography variant="caption" color="textSecondary" display="block">
              duplicated
            </Typography>
          ) : null}
        </TableCell>
        <TableCell className={classes.mono}>{pkg.latest ?? '—'}</TableCell>
        <TableCell>
          {!pkg.behind && pkg.latest && pkg.installedVersions[0] === pkg.latest
            ? 'up to date'
            : behindText(pkg.behind)}
        </TableCell>
        <TableCell>
          {formatDate(pkg.lastPublishedAt)}
          {pkg.installedPublishedAt ? (
            <Typography
              variant="caption"
              color="textSecondary"
              display="block"
              noWrap
            >
              installed: {formatDate(pkg.installedPublishedAt)}
            </Typography>
          ) : null}
        </TableCell>
        <TableCell>
          {advisories.length === 0 ? (
            'None known'
          ) : (
            <div className={classes.chips}>
              {advisories.slice(0, 3).map(a => (
                <SeverityChip key={a.id} severity={a.severity} />
              ))}
              {advisories.length > 3 ? ` +${advisories.length - 3}` : null}
            </div>
          )}
        </TableCell>
      </TableRow>
      {advisories.length ? (
        <TableRow>
          <TableCell colSpan={7} style={{ paddingTop: 0, paddingBottom: 0 }}>
            <Collapse in={open} unmountOnExit>
              <div className={classes.detail} id={detailId}>
                <Table size="small" aria-label={`Advisories of ${pkg.name}`}>
                  <TableHead className={head}>
                    <TableRow>
                      <TableCell>Advisory</TableCell>
                      <TableCell>Severity</TableCell>
                      <TableCell>Vulnerable</TableCell>
                      <TableCell>Fixed in</TableCell>
                      <TableCell>Upgrade to</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {advisories.map(a => (
                      <TableRow key={a.id}>
                        <TableCell>
                          {a.url ? <Link to={a.url}>{a.id}</Link> : a.id}
                          <Typography variant="body2">{a.summary}</Typography>
                        </TableCell>
                        <TableCell>
                          <SeverityChip severity={a.severity} />
                        </TableCell>
                        <TableCell className={classes.mono}>
                          {a.vulnerableRange}
                        </TableCell>
                        <TableCell className={classes.mono}>
                          {a.firstPatchedVersion ?? 'no fix yet'}
                        </TableCell>
                        <TableCell className={classes.mono}>
                          {a.recommendedVersion ?? '—'}
                        </TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
                <PulledInBy pkg={pkg} />
              </div>
            </Collapse>
          </TableCell>
        </TableRow>
      ) : null}
    </Fragment>
  );
}

export function InventoryTable(props: { inventory: PluginInventory }) {
  const head = useNoWrapHead();
  const { inventory } = props;
  const classes = useStyles();
  const [text, setText] = useState('');
  const [vulnerableOnly, setVulnerableOnly] = useState(false);
  const [behindOnly, setBehindOnly] = useState(false);
  const [sort, setSort] = useState<SortKey>('advisories');

  const rows = useMemo(
    () =>
      inventory.packages
        .filter(
          p => !text || p.name.includes(text.trim().toLocaleLowerCase('en-US')),
        )
        .filter(p => !vulnerableOnly || p.advisories.length > 0)
        .filter(p => !behindOnly || behindRank(p.behind) > 0)
        .sort((a, b) => compare(a, b, sort) || a.name.localeCompare(b.name)),
    [inventory.packages, text, vulnerableOnly, behindOnly, sort],
  );
  const vulnerable = inventory.packages.filter(p => p.advisories.length).length;

  const sortable = (key: SortKey, title: string) => (
    <TableSortLabel
      active={sort === key}
      direction={key === 'name' ? 'asc' : 'desc'}
      onClick={() => setSort(key)}
    >
      {title}
    </TableSortLabel>
  );

  return (
    <InfoCard
      title="Plugin inventory"
      subheader={`${
        inventory.packages.length
      } packages; ${vulnerable} with known advisories${
        inventory.backstageRelease
          ? `; Backstage release ${inventory.backstageRelease}`
          : ''
      }`}
    >
      <div className={classes.controls}>
        <TextField
          size="small"
          label="Package"
          value={text}
          onChange={e => setText(e.target.value.slice(0, 214))}
          inputProps={{ 'data-testid': 'inventory-filter' }}
        />
        <FormControlLabel
          control={
            <Switch
              checked={vulnerableOnly}
              onChange={e => setVulnerableOnly(e.target.checked)}
              color="primary"
            />
          }
          label="With advisories"
        />
        <FormControlLabel
          control={
            <Switch
              checked={behindOnly}
              onChange={e => setBehindOnly(e.target.checked)}
              color="primary"
            />
          }
          label="Behind latest"
        />
      </div>
      {rows.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          {inventory.packages.length === 0
            ? 'No packages were found.'
            : 'No package matches these filters.'}
        </Typography>
      ) : (
        <TableContainer>
          <Table
            size="small"
            aria-label="Plugin inventory"
            data-testid="plugin-inventory"
          >
            <TableHead className={head}>
              <TableRow>
                <TableCell padding="checkbox" />
                <TableCell sortDirection={sort === 'name' ? 'asc' : false}>
                  {sortable('name', 'Package')}
                </TableCell>
                <TableCell>Installed</TableCell>
                <TableCell>Latest</TableCell>
                <TableCell sortDirection={sort === 'behind' ? 'desc' : false}>
                  {sortable('behind', 'Behind by')}
                </TableCell>
                <TableCell
                  sortDirection={sort === 'lastPublishedAt' ? 'desc' : false}
                >
                  {sortable('lastPublishedAt', 'Last publish')}
                </TableCell>
                <TableCell
                  sortDirection={sort === 'advisories' ? 'desc' : false}
                >
                  {sortable('advisories', 'Advisories')}
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map(pkg => (
                <PackageRow key={pkg.name} pkg={pkg} />
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      <PublishedAt at={inventory.generatedAt} />
    </InfoCard>
  );
}

function InventoryContext(props: { inventory: PluginInventory }) {
  const { inventory } = props;
  return (
    <Grid container spacing={2}>
      {inventory.registry.status !== 'live' ? (
        <Grid item xs={12}>
          <Alert severity="warning" data-testid="registry-status">
            The registry ({inventory.registry.url}) was{' '}
            {inventory.registry.status === 'offline'
              ? 'unreachable'
              : 'partly reachable'}
            {inventory.registry.error ? `: ${inventory.registry.error}` : ''}.
            {inventory.registry.snapshotAsOf
              ? ` Versions come from the bundled snapshot of ${formatDate(
                  inventory.registry.snapshotAsOf,
                )} where it did not answer.`
              : ''}
          </Alert>
        </Grid>
      ) : null}
      <Grid item xs={12}>
        <AdvisorySources inventory={inventory} />
      </Grid>
      {inventory.warnings.length ? (
        <Grid item xs={12}>
          <Typography variant="caption" color="textSecondary" component="ul">
            {inventory.warnings.map(w => (
              <li key={w}>{w}</li>
            ))}
          </Typography>
        </Grid>
      ) : null}
    </Grid>
  );
}

/** Plugins: what is installed, how far behind, and which advisories apply (with the fix). */
export function PluginsView() {
  return (
    <CategoryView
      category="plugins"
      intro="Every Backstage package of the deployment: the installed and latest versions, how far behind it is, when it was last published, and the advisories that affect the installed version with the version that fixes them."
    >
      <Grid item xs={12}>
        <PublishedData<PluginInventory>
          checkId={PLUGIN_INVENTORY_CHECK_ID}
          dataKey={PLUGIN_INVENTORY_KEY}
          what="plugin inventory"
        >
          {inventory => (
            <>
              <InventoryContext inventory={inventory} />
              <Box mt={2}>
                <InventoryTable inventory={inventory} />
              </Box>
            </>
          )}
        </PublishedData>
      </Grid>
    </CategoryView>
  );
}
