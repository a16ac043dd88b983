import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { InfoCard } from '@backstage/core-components';
import { GradePath } from '@security-posture/plugin-security-posture-common';
import { ExposureChip } from '../ExposureChip';
import { GradeChip } from '../GradeChip';
import { dragLocation } from '../GradeDragList';
import { SeverityChip } from '../SeverityChip';
import { formatGain, plural } from '../../utils/format';

const useStyles = makeStyles(theme => ({
  headline: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    marginBottom: theme.spacing(1),
  },
  item: {
    gap: theme.spacing(1.5),
    alignItems: 'flex-start',
  },
  number: {
    minWidth: 20,
    fontWeight: 700,
    textAlign: 'right',
    paddingTop: 2,
  },
  text: {
    margin: 0,
    minWidth: 0,
    // Backstage's theme clips dense list text to one line; titles and locations wrap here.
    whiteSpace: 'normal',
    overflow: 'visible',
  },
  where: {
    display: 'block',
    overflowWrap: 'anywhere',
  },
  exposure: {
    marginTop: theme.spacing(0.5),
  },
  score: {
    textAlign: 'right',
    minWidth: 96,
    whiteSpace: 'nowrap',
  },
}));

/** "Fix these 3 to reach D", or how many fixes it takes when more than are listed. */
export function pathHeadline(path: GradePath): string {
  if (path.incomplete) {
    return `More than ${path.fixCount.toLocaleString(
      'en-US',
    )} fixes are needed to reach ${path.grade}. The first ${
      path.steps.length
    }:`;
  }
  const beyond =
    path.gradeAfter < path.grade
      ? ` (the grade is then ${path.gradeAfter})`
      : '';
  if (path.steps.length >= path.fixCount) {
    const these = path.fixCount === 1 ? 'this one' : `these ${path.fixCount}`;
    return `Fix ${these} to reach ${path.grade}${beyond}.`;
  }
  return `${plural(path.fixCount, 'fix', 'fixes')} reach ${
    path.grade
  }${beyond}. The first ${path.steps.length}:`;
}

/**
 * The path to the next grade: the open criticals first when they cap the grade, then each time
 * the fix that gains the most, with the score after each step.
 */
export function NextGradePath(props: {
  nextGrade: GradePath;
  score: number;
  onOpen: (fingerprint: string) => void;
}) {
  const { nextGrade: path, score, onOpen } = props;
  const classes = useStyles();
  return (
    <InfoCard
      title={`Path to grade ${path.grade}`}
      subheader={`A score of ${path.minimumScore}${
        path.grade < 'D' ? ' and no open critical finding' : ''
      } (now ${score}). Each step fixes what gains the most.`}
    >
      <div data-testid="next-grade">
        <div className={classes.headline}>
          <GradeChip grade={path.grade} />
          <Typography variant="body1" data-testid="next-grade-summary">
            {pathHeadline(path)}
          </Typography>
        </div>
        {path.criticalFixes > 0 && path.grade < 'D' ? (
          <Typography
            variant="body2"
            color="textSecondary"
            data-testid="next-grade-criticals"
          >
            {plural(path.criticalFixes, 'open critical finding')} first: any
            open critical caps the grade at D, whatever the score.
          </Typography>
        ) : null}
        <List dense disablePadding>
          {path.steps.map((step, index) => (
            <ListItem
              key={step.fingerprint}
              button
              className={classes.item}
              onClick={() => onOpen(step.fingerprint)}
              data-testid={`next-grade-step-${step.fingerprint}`}
            >
              <Typography variant="body2" className={classes.number}>
                {index + 1}.
              </Typography>
              <SeverityChip severity={step.severity} />
              <ListItemText
                className={classes.text}
                primary={step.title}
                secondaryTypographyProps={{ component: 'div' }}
                secondary={
                  <>
                    <span className={classes.where}>{dragLocation(step)}</span>
                    {step.exposure ? (
                      <div className={classes.exposure}>
                        <ExposureChip exposure={step.exposure} />
                      </div>
                    ) : null}
                  </>
                }
              />
              <div className={classes.score}>
                <Typography variant="body2">
                  {formatGain(step.overallGain)}
                </Typography>
                <Typography variant="caption" color="textSecondary">
                  score {step.scoreAfter}
                </Typography>
              </div>
            </ListItem>
          ))}
        </List>
      </div>
    </InfoCard>
  );
}
