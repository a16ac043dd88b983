import { makeStyles } from '@material-ui/core/styles';
import { Grade } from '@security-posture/plugin-security-posture-common';

export const GRADE_COLORS: Record<Grade, string> = {
  A: '#2e7d32',
  B: '#689f38',
  C: '#f9a825',
  D: '#ef6c00',
  F: '#c62828',
};

const useStyles = makeStyles({
  grade: {
    display: 'inline-flex',
    alignItems: 'center',
    justifyContent: 'center',
    borderRadius: 6,
    color: '#ffffff',
    fontWeight: 700,
    lineHeight: 1,
  },
});

/** A letter grade in a coloured square. */
export function GradeChip(props: {
  grade: Grade;
  size?: 'small' | 'large';
  'data-testid'?: string;
}) {
  const { grade, size = 'small' } = props;
  const classes = useStyles();
  const dimension = size === 'large' ? 40 : 28;
  return (
    <span
      className={classes.grade}
      data-testid={props['data-testid']}
      aria-label={`Grade ${grade}`}
      style={{
        backgroundColor: GRADE_COLORS[grade] ?? '#616161',
        width: dimension,
        height: dimension,
        fontSize: size === 'large' ? 24 : 16,
      }}
    >
      {grade}
    </span>
  );
}
