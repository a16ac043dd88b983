import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { InfoCard } from '@backstage/core-components';
import { GradeDrag } from '@security-posture/plugin-security-posture-common';
import { SeverityChip } from '../SeverityChip';
import { categoryLabel, formatGain } from '../../utils/format';

const useStyles = makeStyles(theme => ({
  item: {
    gap: theme.spacing(2),
  },
  gain: {
    textAlign: 'right',
    minWidth: 120,
    whiteSpace: 'nowrap',
  },
  gainValue: {
    fontWeight: 700,
    color: theme.palette.success?.main ?? theme.palette.primary.main,
  },
}));

/** The open findings whose fix would raise the score most, with the points each brings. */
export function GradeDragList(props: {
  items: GradeDrag[];
  onOpen: (fingerprint: string) => void;
}) {
  const { items, onOpen } = props;
  const classes = useStyles();
  return (
    <InfoCard
      title="What holds the grade down"
      subheader="Fix these first: each line shows the points its fix alone would gain."
    >
      {items.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          Nothing holds the grade down.
        </Typography>
      ) : (
        <List dense disablePadding data-testid="grade-drags">
          {items.map(item => (
            <ListItem
              key={item.fingerprint}
              button
              className={classes.item}
              onClick={() => onOpen(item.fingerprint)}
              data-testid={`grade-drag-${item.fingerprint}`}
            >
              <SeverityChip severity={item.severity} />
              <ListItemText
                primary={item.title}
                secondary={`${categoryLabel(item.category)} · ${item.checkId}`}
              />
              <div className={classes.gain}>
                <Typography variant="body2" className={classes.gainValue}>
                  {formatGain(item.overallGain)} overall
                </Typography>
                <Typography variant="caption" color="textSecondary">
                  {formatGain(item.categoryGain)} in{' '}
                  {categoryLabel(item.category)}
                </Typography>
              </div>
            </ListItem>
          ))}
        </List>
      )}
    </InfoCard>
  );
}
