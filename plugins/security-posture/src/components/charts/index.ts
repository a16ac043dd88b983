export { useChartTheme } from './chartTheme';
export { VisuallyHidden } from './VisuallyHidden';
