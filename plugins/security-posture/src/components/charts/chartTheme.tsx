import { useTheme } from '@material-ui/core/styles';

/** Colours and styles that keep recharts readable in light and dark themes. */
export function useChartTheme() {
  const theme = useTheme();
  const text = theme.palette.text.secondary;
  return {
    axis: {
      stroke: theme.palette.divider,
      tick: { fill: text, fontSize: 12 },
    },
    grid: { stroke: theme.palette.divider, strokeDasharray: '3 3' },
    tooltip: {
      contentStyle: {
        backgroundColor: theme.palette.background.paper,
        border: `1px solid ${theme.palette.divider}`,
        color: theme.palette.text.primary,
      },
      labelStyle: { color: theme.palette.text.primary },
      itemStyle: { color: theme.palette.text.primary },
      cursor: { fill: theme.palette.action.hover },
    },
    legend: { color: theme.palette.text.primary },
    /** Legend labels in the text colour: series colours are for marks, not for reading. */
    legendFormatter: (value: string) => (
      <span style={{ color: theme.palette.text.primary }}>{value}</span>
    ),
    line: theme.palette.primary.main,
    // Mid-tone colours that keep their contrast on white and on the dark theme's grey.
    series: [
      theme.palette.primary.main,
      '#ab47bc',
      '#26a69a',
      '#ff7043',
      '#5c6bc0',
      '#a1887f',
    ],
    reference: theme.palette.text.disabled,
  };
}
