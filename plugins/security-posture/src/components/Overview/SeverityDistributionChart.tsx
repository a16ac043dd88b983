import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import Typography from '@material-ui/core/Typography';
import { InfoCard } from '@backstage/core-components';
import {
  CategoryScore,
  SEVERITIES,
} from '@security-posture/plugin-security-posture-common';
import { SEVERITY_COLORS, severityLabel } from '../SeverityChip';
import { useChartTheme, VisuallyHidden } from '../charts';
import { categoryLabel } from '../../utils/format';

/** Open findings per category, stacked by severity. */
export function SeverityDistributionChart(props: {
  categories: CategoryScore[];
}) {
  const { categories } = props;
  const chart = useChartTheme();
  const rows = categories.map(c => ({
    name: categoryLabel(c.category),
    ...c.counts,
  }));
  const total = categories.reduce(
    (sum, c) => sum + SEVERITIES.reduce((s, sev) => s + c.counts[sev], 0),
    0,
  );

  return (
    <InfoCard title="Open findings by severity">
      <div data-testid="severity-distribution">
        {total === 0 ? (
          <Typography variant="body2" color="textSecondary">
            No open findings.
          </Typography>
        ) : (
          <>
            <div aria-hidden>
              <ResponsiveContainer width="100%" height={260}>
                <BarChart
                  data={rows}
                  layout="vertical"
                  margin={{ left: 16, right: 16 }}
                >
                  <CartesianGrid {...chart.grid} horizontal={false} />
                  <XAxis type="number" allowDecimals={false} {...chart.axis} />
                  <YAxis
                    type="category"
                    dataKey="name"
                    width={110}
                    {...chart.axis}
                  />
                  <Tooltip {...chart.tooltip} />
                  <Legend
                    wrapperStyle={chart.legend}
                    formatter={chart.legendFormatter}
                  />
                  {SEVERITIES.map(severity => (
                    <Bar
                      key={severity}
                      dataKey={severity}
                      name={severityLabel(severity)}
                      stackId="severity"
                      fill={SEVERITY_COLORS[severity].background}
                      isAnimationActive={false}
                    />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </div>
            <VisuallyHidden>
              <table>
                <caption>Open findings by category and severity</caption>
                <thead>
                  <tr>
                    <th>Category</th>
                    {SEVERITIES.map(s => (
                      <th key={s}>{severityLabel(s)}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map(row => (
                    <tr key={row.name}>
                      <th>{row.name}</th>
                      {SEVERITIES.map(s => (
                        <td key={s}>{row[s]}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </VisuallyHidden>
          </>
        )}
      </div>
    </InfoCard>
  );
}
