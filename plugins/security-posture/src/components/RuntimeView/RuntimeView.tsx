import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { InfoCard } from '@backstage/core-components';
import {
  CategoryView,
  PublishedAt,
  PublishedData,
  useNoWrapHead,
} from '../CategoryView';

export const CREDENTIAL_INVENTORY_CHECK_ID = 'runtime/credential-inventory';
export const CREDENTIALS_KEY = 'credentials';
export const BLAST_RADIUS_CHECK_ID = 'runtime/blast-radius';
export const BLAST_RADIUS_KEY = 'blast-radius';

/** One row of the published credential inventory: never a value. */
export interface CredentialRow {
  path: string;
  kind: string;
  reach: string;
  target: string;
  source: 'env' | 'file' | 'literal' | 'unknown';
  sourceDetail: string;
}

export interface CredentialInventoryData {
  configFilesFrom: string;
  configFiles: string;
  credentials: CredentialRow[];
}

export interface BlastRadiusData {
  score: number;
  plugins: number;
  communityPlugins: string;
  pluginsFrom: string;
  credentials: Array<{
    path: string;
    kind: string;
    reach: string;
    reachWeight: number;
    source: string;
    readableBy: number;
    communityReaders: string;
  }>;
}

const SOURCE_LABELS: Record<CredentialRow['source'], string> = {
  env: 'Environment',
  file: 'File',
  literal: 'Literal in config',
  unknown: 'Unknown',
};

function SourceChip(props: { source: CredentialRow['source'] }) {
  return (
    <Chip
      size="small"
      label={SOURCE_LABELS[props.source] ?? props.source}
      color={props.source === 'literal' ? 'secondary' : 'default'}
      variant={props.source === 'literal' ? 'default' : 'outlined'}
    />
  );
}

function BlastRadiusCard() {
  const head = useNoWrapHead();
  return (
    <InfoCard title="Blast radius of the backend process">
      <PublishedData<BlastRadiusData>
        checkId={BLAST_RADIUS_CHECK_ID}
        dataKey={BLAST_RADIUS_KEY}
        what="blast radius"
      >
        {(data, envelope) => {
          const community = data.communityPlugins
            ? data.communityPlugins.split(', ')
            : [];
          return (
            <Box data-testid="runtime-blast-radius">
              <Typography variant="h4" component="p" data-testid="blast-radius-score">
                {data.score}
              </Typography>
              <Typography variant="body2" gutterBottom>
                {data.credentials.length} credential(s) readable by {data.plugins}{' '}
                backend plugins and modules in one process; {community.length}{' '}
                community plugin(s) among them.
              </Typography>
              <Box display="flex" flexWrap="wrap" style={{ gap: 8 }} mb={2}>
                {community.map(name => (
                  <Chip
                    key={name}
                    size="small"
                    color="secondary"
                    label={name}
                    data-testid="community-plugin"
                  />
                ))}
              </Box>
              <TableContainer>
                <Table size="small" aria-label="Credentials and who can read them">
                  <TableHead className={head}>
                    <TableRow>
                      <TableCell>Credential</TableCell>
                      <TableCell>Reach</TableCell>
                      <TableCell align="right">Weight</TableCell>
                      <TableCell align="right">Readable by</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {data.credentials.map(c => (
                      <TableRow key={c.path}>
                        <TableCell>
                          <code>{c.path}</code>
                        </TableCell>
                        <TableCell>{c.reach}</TableCell>
                        <TableCell align="right">{c.reachWeight}</TableCell>
                        <TableCell align="right">{c.readableBy} plugins</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
              <PublishedAt
                at={envelope.updatedAt}
                suffix={` · plugins from ${data.pluginsFrom}`}
              />
            </Box>
          );
        }}
      </PublishedData>
    </InfoCard>
  );
}

function CredentialInventoryCard() {
  const head = useNoWrapHead();
  return (
    <InfoCard title="Credential inventory (paths, never values)">
      <PublishedData<CredentialInventoryData>
        checkId={CREDENTIAL_INVENTORY_CHECK_ID}
        dataKey={CREDENTIALS_KEY}
        what="credential inventory"
      >
        {(data, envelope) => (
          <Box data-testid="runtime-credentials">
            <TableContainer>
              <Table size="small" aria-label="Credential inventory">
                <TableHead className={head}>
                  <TableRow>
                    <TableCell>Config path</TableCell>
                    <TableCell>Kind</TableCell>
                    <TableCell>Reach</TableCell>
                    <TableCell>Source</TableCell>
                    <TableCell>Where</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {data.credentials.map(c => (
                    <TableRow key={c.path} data-testid="credential-row">
                      <TableCell>
                        <code>{c.path}</code>
                      </TableCell>
                      <TableCell>{c.kind}</TableCell>
                      <TableCell>{c.reach}</TableCell>
                      <TableCell>
                        <SourceChip source={c.source} />
                      </TableCell>
                      <TableCell>{c.sourceDetail}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
            <PublishedAt
              at={envelope.updatedAt}
              suffix={` · config files (${data.configFilesFrom}): ${data.configFiles || 'none'}`}
            />
          </Box>
        )}
      </PublishedData>
    </InfoCard>
  );
}

/** What a compromised backend or a malicious plugin could reach. */
export function RuntimeView() {
  return (
    <CategoryView
      category="runtime"
      intro={
        <>
          Every credential the running backend holds, by config path, kind, reach and
          where it comes from (never its value), and the backend plugins that share the
          process with them: in one Node.js process every plugin can read all config and{' '}
          <code>process.env</code>. The inventory is also available as CSV from{' '}
          <code>/checks/runtime/credential-inventory/data/credentials/export.csv</code>.
        </>
      }
    >
      <Grid item xs={12} lg={5}>
        <BlastRadiusCard />
      </Grid>
      <Grid item xs={12} lg={7}>
        <CredentialInventoryCard />
      </Grid>
    </CategoryView>
  );
}
