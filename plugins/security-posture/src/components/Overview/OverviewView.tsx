import Grid from '@material-ui/core/Grid';
import Alert from '@material-ui/lab/Alert';
import { PostureSummary } from '@security-posture/plugin-security-posture-common';
import { useFindingDrawerParam } from '../../hooks';
import { FindingDrawer } from '../FindingDrawer';
import { NoScanYet } from '../StateViews';
import { CategoryCards } from './CategoryCards';
import { GradeDragList } from '../GradeDragList';
import { NextGradePath } from '../NextGradePath';
import { ScanChangesCard } from '../ScanChanges';
import { ScoreTrendChart } from './ScoreTrendChart';
import { SeverityDistributionChart } from './SeverityDistributionChart';

/**
 * The platform team's overview: categories, what holds the grade down (riskiest first), the
 * path to the next grade, what the last scan changed, severity distribution and trend.
 */
export function OverviewView(props: {
  summary: PostureSummary;
  canScan: boolean;
}) {
  const { summary, canScan } = props;
  const drawer = useFindingDrawerParam();

  if (!summary.lastCompletedScan) {
    return <NoScanYet canScan={canScan} scan={summary.lastScan} />;
  }

  return (
    <Grid container spacing={3} data-testid="overview">
      {summary.gradeCap ? (
        <Grid item xs={12}>
          <Alert severity="warning" data-testid="grade-cap">
            {summary.gradeCap}
          </Alert>
        </Grid>
      ) : null}
      <Grid item xs={12}>
        <CategoryCards
          categories={summary.categories}
          onOpenFinding={drawer.open}
        />
      </Grid>
      <Grid item xs={12} md={summary.nextGrade ? 7 : 12}>
        <GradeDragList items={summary.heldDownBy} onOpen={drawer.open} />
      </Grid>
      {summary.nextGrade ? (
        <Grid item xs={12} md={5}>
          <NextGradePath
            nextGrade={summary.nextGrade}
            score={summary.score}
            onOpen={drawer.open}
          />
        </Grid>
      ) : null}
      <Grid item xs={12}>
        <ScanChangesCard
          scan={summary.lastCompletedScan}
          onOpen={drawer.open}
        />
      </Grid>
      <Grid item xs={12} md={6}>
        <SeverityDistributionChart categories={summary.categories} />
      </Grid>
      <Grid item xs={12} md={6}>
        <ScoreTrendChart />
      </Grid>
      <FindingDrawer fingerprint={drawer.fingerprint} onClose={drawer.close} />
    </Grid>
  );
}
