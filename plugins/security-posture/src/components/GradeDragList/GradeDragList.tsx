import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { InfoCard } from '@backstage/core-components';
import { GradeDrag } from '@security-posture/plugin-security-posture-common';
import { ExposureChip } from '../ExposureChip';
import { SeverityChip } from '../SeverityChip';
import { categoryLabel, formatGain } from '../../utils/format';

const useStyles = makeStyles(theme => ({
  item: {
    gap: theme.spacing(2),
    alignItems: 'flex-start',
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

/** Where a finding is: its entity, else its category and check. */
export function dragLocation(item: GradeDrag): string {
  const check = `${categoryLabel(item.category)} · ${item.checkId}`;
  return item.entityRef ? `${item.entityRef} · ${check}` : check;
}

/**
 * What holds the grade down, riskiest first (the server's order: severity, then who can reach
 * the finding, then the points its fix gains), with the points each fix alone brings.
 */
export function GradeDragList(props: {
  items: GradeDrag[];
  onOpen: (fingerprint: string) => void;
}) {
  const { items, onOpen } = props;
  const classes = useStyles();
  return (
    <InfoCard
      title="What holds the grade down"
      subheader="Riskiest first: by severity, then by who can reach it (anyone, guests, every signed-in user), then by the points its fix alone gains."
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
                className={classes.text}
                primary={
                  item.outcome === 'error'
                    ? `${item.title} (check errored)`
                    : item.title
                }
                secondaryTypographyProps={{ component: 'div' }}
                secondary={
                  <>
                    <span className={classes.where}>{dragLocation(item)}</span>
                    {item.exposure ? (
                      <div className={classes.exposure}>
                        <ExposureChip exposure={item.exposure} />
                      </div>
                    ) : null}
                  </>
                }
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
