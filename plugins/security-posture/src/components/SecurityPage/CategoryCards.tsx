import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import { InfoCard } from '@backstage/core-components';
import { CategoryScore } from '@security-posture/plugin-security-posture-common';
import { GradeChip } from '../GradeChip';
import { SeverityCountChips } from '../SeverityChip';
import { categoryLabel } from '../../utils/format';

/** One card per category with its grade, score and open findings by severity. */
export function CategoryCards(props: { categories: CategoryScore[] }) {
  const { categories } = props;
  return (
    <Grid container spacing={2}>
      {categories.map(category => {
        const open = Object.values(category.counts).reduce(
          (sum, n) => sum + n,
          0,
        );
        return (
          <Grid item xs={12} sm={6} md={4} lg key={category.category}>
            <div data-testid={`category-card-${category.category}`}>
              <InfoCard title={categoryLabel(category.category)} noPadding>
                <Box p={2}>
                  <Box display="flex" alignItems="center" mb={1}>
                    <GradeChip grade={category.grade} />
                    <Box ml={1}>
                      <Typography variant="h6" component="span">
                        {category.score}
                      </Typography>
                      <Typography
                        variant="body2"
                        component="span"
                        color="textSecondary"
                      >
                        {' '}
                        / 100
                      </Typography>
                    </Box>
                  </Box>
                  <Typography variant="body2" gutterBottom>
                    {open === 0
                      ? 'No open findings'
                      : `${open} open finding${open === 1 ? '' : 's'}`}
                  </Typography>
                  <SeverityCountChips counts={category.counts} />
                  {category.errors > 0 ? (
                    <Typography
                      variant="caption"
                      color="error"
                      display="block"
                      style={{ marginTop: 8 }}
                    >
                      {category.errors} check
                      {category.errors === 1 ? '' : 's'} errored: this part of
                      the posture is unknown
                    </Typography>
                  ) : null}
                </Box>
              </InfoCard>
            </div>
          </Grid>
        );
      })}
    </Grid>
  );
}
