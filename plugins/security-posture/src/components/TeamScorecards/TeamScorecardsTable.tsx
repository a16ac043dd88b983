import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableContainer from '@material-ui/core/TableContainer';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import { makeStyles } from '@material-ui/core/styles';
import { Link } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { TeamScorecard } from '@security-posture/plugin-security-posture-common';
import { URL_PARAMS } from '../../hooks';
import { categoryLabel, formatScore } from '../../utils/format';
import { GradeChip } from '../GradeChip';
import { useSecurityPageLink } from '../SecurityPage/SecurityPageContext';
import { SeverityChip } from '../SeverityChip';

const useStyles = makeStyles({
  owner: {
    minWidth: 200,
    overflowWrap: 'anywhere',
  },
  number: {
    textAlign: 'right',
    whiteSpace: 'nowrap',
  },
  categories: {
    whiteSpace: 'nowrap',
  },
});

/** One row per owner, worst first (the server's order), with links to its open findings. */
export function TeamScorecardsTable(props: {
  items: TeamScorecard[];
  'data-testid'?: string;
}) {
  const { items } = props;
  const classes = useStyles();
  const link = useSecurityPageLink();
  return (
    <TableContainer>
      <Table
        size="small"
        aria-label="Team scorecards"
        data-testid={props['data-testid'] ?? 'team-scorecards'}
      >
        <TableHead>
          <TableRow>
            <TableCell>Owner</TableCell>
            <TableCell>Grade</TableCell>
            <TableCell className={classes.number}>Score</TableCell>
            <TableCell className={classes.number}>Open findings</TableCell>
            <TableCell className={classes.number}>Critical</TableCell>
            <TableCell className={classes.number}>High</TableCell>
            <TableCell className={classes.number}>Entities</TableCell>
            <TableCell>By category</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map(item => {
            const findings = link(
              'findings',
              new URLSearchParams({ [URL_PARAMS.owner]: item.owner }),
            );
            return (
              <TableRow
                key={item.owner}
                data-testid={`team-scorecard-${item.owner}`}
              >
                <TableCell className={classes.owner}>
                  <EntityRefLink entityRef={item.owner} defaultKind="group" />
                </TableCell>
                <TableCell>
                  <GradeChip grade={item.grade} />
                </TableCell>
                <TableCell className={classes.number}>
                  {formatScore(item.score)}
                </TableCell>
                <TableCell className={classes.number}>
                  {findings && item.openFindings > 0 ? (
                    <Link to={findings} data-testid="team-scorecard-findings">
                      {item.openFindings}
                    </Link>
                  ) : (
                    item.openFindings
                  )}
                </TableCell>
                <TableCell className={classes.number}>
                  {item.counts.critical ? (
                    <SeverityChip
                      severity="critical"
                      count={item.counts.critical}
                    />
                  ) : (
                    0
                  )}
                </TableCell>
                <TableCell className={classes.number}>
                  {item.counts.high ? (
                    <SeverityChip severity="high" count={item.counts.high} />
                  ) : (
                    0
                  )}
                </TableCell>
                <TableCell className={classes.number}>
                  {item.entities}
                </TableCell>
                <TableCell className={classes.categories}>
                  {item.categories
                    .map(c => `${categoryLabel(c.category)} ${c.grade}`)
                    .join(' · ')}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
