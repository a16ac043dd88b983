export { GradeChip, GRADE_COLORS } from './GradeChip';
