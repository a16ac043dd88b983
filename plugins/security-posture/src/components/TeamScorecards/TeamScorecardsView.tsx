import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useScorecards } from '../../hooks';
import { categoryLabel } from '../../utils/format';
import { ExportCsvButton } from '../ExportCsvButton';
import { TeamScorecardsTable } from './TeamScorecardsTable';

function exportButton(label: string, filenameBase: string) {
  return (
    <ExportCsvButton
      label={label}
      filenameBase={filenameBase}
      size="small"
      download={api => api.downloadScorecardsCsv()}
      data-testid="team-scorecards-export-csv"
    />
  );
}

/**
 * The platform team's view of every owner's posture: grade, score and open findings of the
 * entities and templates each group (or user) owns, worst first, with a CSV export.
 */
export function TeamScorecardsView() {
  const { data, error, isLoading } = useScorecards();
  if (isLoading) return <Progress />;
  if (error || !data) {
    return (
      <ResponseErrorPanel
        error={error ?? new Error('No scorecards received')}
        title="Could not load the team scorecards"
      />
    );
  }
  const over = data.categories.map(categoryLabel).join(' and ');
  return (
    <InfoCard
      title="Team scorecards"
      subheader={`Each owner's grade from the open findings of what it owns${
        over ? ` (${over})` : ''
      }, with the deployment's scoring model; worst first`}
    >
      <div data-testid="team-scorecards-view">
        <Box display="flex" justifyContent="flex-end" mb={1}>
          {exportButton(
            'Export scorecards (CSV)',
            'security-posture-team-scorecards',
          )}
        </Box>
        {data.items.length === 0 ? (
          <Typography variant="body2" color="textSecondary">
            No finding is owned by anyone yet.
          </Typography>
        ) : (
          <TeamScorecardsTable items={data.items} />
        )}
      </div>
    </InfoCard>
  );
}

/**
 * On the restricted page (a grid item of its column): the scorecards of the caller's own teams
 * ("your team: C, 4 findings"); nothing when the caller owns nothing with findings.
 */
export function MyTeamsCard() {
  const { data, error } = useScorecards();
  if (error) {
    return (
      <Grid item>
        <ResponseErrorPanel
          error={error}
          title="Could not load your team's scorecard"
        />
      </Grid>
    );
  }
  if (!data || data.items.length === 0) return null;
  const [worst] = data.items;
  return (
    <Grid item>
      <InfoCard
        title="Your teams"
        subheader={`${
          data.items.length === 1 ? 'Your team' : 'Worst of your teams'
        }: ${worst.grade}, ${worst.openFindings} open finding${
          worst.openFindings === 1 ? '' : 's'
        }`}
      >
        <div data-testid="my-teams">
          <Box display="flex" justifyContent="flex-end" mb={1}>
            {exportButton('Export (CSV)', 'security-posture-my-teams')}
          </Box>
          <TeamScorecardsTable
            items={data.items}
            data-testid="my-team-scorecards"
          />
        </div>
      </InfoCard>
    </Grid>
  );
}
