export {
  SeverityChip,
  SeverityCountChips,
  SEVERITY_COLORS,
  severityLabel,
} from './SeverityChip';
