import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { InfoCard, Link } from '@backstage/core-components';
import { CategoryScore } from '@security-posture/plugin-security-posture-common';
import { useFindings } from '../../hooks';
import { URL_PARAMS } from '../../hooks/useFindingsUrlState';
import { GradeChip } from '../GradeChip';
import { SeverityChip, SeverityCountChips } from '../SeverityChip';
import { useSecurityPageLink } from '../SecurityPage/SecurityPageContext';
import {
  categoryLabel,
  describeTarget,
  formatScore,
  plural,
} from '../../utils/format';
import { BUILT_IN_CATEGORIES } from '../../utils/options';

const WORST_FINDINGS = 3;

const useStyles = makeStyles(theme => ({
  card: { height: '100%' },
  // Long finding titles are truncated instead of widening the card.
  item: { minWidth: 0 },
  worst: {
    marginTop: theme.spacing(1),
  },
  worstItem: {
    gap: theme.spacing(1),
    paddingLeft: 0,
    paddingRight: 0,
  },
}));

function WorstFindings(props: {
  category: string;
  onOpen: (fingerprint: string) => void;
}) {
  const classes = useStyles();
  const { data, isLoading, error } = useFindings({
    category: [props.category],
    status: ['open'],
    orderBy: 'severity',
    order: 'asc',
    limit: WORST_FINDINGS,
  });
  if (isLoading) {
    return (
      <Typography variant="caption" color="textSecondary">
        Loading worst findings…
      </Typography>
    );
  }
  if (error || !data) {
    return (
      <Typography variant="caption" color="error">
        Could not load the worst findings.
      </Typography>
    );
  }
  if (data.items.length === 0) return null;
  return (
    <List
      dense
      disablePadding
      className={classes.worst}
      aria-label={`Worst ${categoryLabel(props.category)} findings`}
    >
      {data.items.map(finding => (
        <ListItem
          key={finding.fingerprint}
          button
          className={classes.worstItem}
          onClick={() => props.onOpen(finding.fingerprint)}
          data-testid={`worst-finding-${finding.fingerprint}`}
        >
          <SeverityChip severity={finding.severity} />
          <ListItemText
            primary={finding.title}
            secondary={
              finding.entityRef ??
              finding.location ??
              describeTarget(finding.target)
            }
            primaryTypographyProps={{ variant: 'body2', noWrap: true }}
            secondaryTypographyProps={{ variant: 'caption', noWrap: true }}
            title={finding.title}
          />
        </ListItem>
      ))}
    </List>
  );
}

/** One card per category: grade, score, open findings by severity and the worst of them. */
export function CategoryCards(props: {
  categories: CategoryScore[];
  onOpenFinding: (fingerprint: string) => void;
}) {
  const { categories, onOpenFinding } = props;
  const classes = useStyles();
  const pageLink = useSecurityPageLink();
  return (
    <Grid container spacing={2} alignItems="stretch">
      {categories.map(category => {
        const open = Object.values(category.counts).reduce(
          (sum, n) => sum + n,
          0,
        );
        const viewLink = (BUILT_IN_CATEGORIES as string[]).includes(
          category.category,
        )
          ? pageLink(category.category)
          : pageLink(
              'findings',
              new URLSearchParams([[URL_PARAMS.category, category.category]]),
            );
        return (
          <Grid
            item
            xs={12}
            md={6}
            lg={4}
            key={category.category}
            className={classes.item}
          >
            <div
              className={classes.card}
              data-testid={`category-card-${category.category}`}
            >
              <InfoCard
                title={categoryLabel(category.category)}
                noPadding
                className={classes.card}
              >
                <Box p={2}>
                  <Box display="flex" alignItems="center" mb={1}>
                    <GradeChip grade={category.grade} />
                    <Box ml={1}>
                      <Typography variant="h6" component="span">
                        {formatScore(category.score)}
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
                      : `${plural(open, 'open finding')}`}
                  </Typography>
                  <SeverityCountChips counts={category.counts} />
                  {category.errors > 0 ? (
                    <Typography
                      variant="caption"
                      color="error"
                      display="block"
                      style={{ marginTop: 8 }}
                    >
                      {plural(category.errors, 'check')} errored: this part of
                      the posture is unknown
                    </Typography>
                  ) : null}
                  {open > 0 ? (
                    <WorstFindings
                      category={category.category}
                      onOpen={onOpenFinding}
                    />
                  ) : null}
                  {viewLink ? (
                    <Box mt={1}>
                      <Link
                        to={viewLink}
                        data-testid={`category-link-${category.category}`}
                      >
                        View {categoryLabel(category.category)}
                      </Link>
                    </Box>
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
