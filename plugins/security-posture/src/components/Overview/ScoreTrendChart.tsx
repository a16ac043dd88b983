import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import Typography from '@material-ui/core/Typography';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useHistory } from '../../hooks';
import { useChartTheme, VisuallyHidden } from '../charts';
import { categoryLabel, formatDateTime, formatScore } from '../../utils/format';

const GRADE_LINES = [
  { y: 90, label: 'A' },
  { y: 80, label: 'B' },
  { y: 70, label: 'C' },
  { y: 60, label: 'D' },
];

/** Overall and per-category score of every recorded scan, oldest first. */
export function ScoreTrendChart() {
  const chart = useChartTheme();
  const { data, error, isLoading } = useHistory();

  let body;
  if (isLoading) {
    body = <Progress />;
  } else if (error) {
    body = (
      <ResponseErrorPanel error={error} title="Could not load the history" />
    );
  } else if (!data || data.length === 0) {
    body = (
      <Typography variant="body2" color="textSecondary">
        No completed scans yet: the trend starts with the first scan.
      </Typography>
    );
  } else {
    const categories = [
      ...new Set(data.flatMap(p => p.categories.map(c => c.category))),
    ];
    const rows = data.map(point => ({
      at: formatDateTime(point.finishedAt),
      // Several scans a day are common: month, day and time tell them apart.
      tick: formatDateTime(point.finishedAt).slice(5, 16),
      overall: point.score,
      ...Object.fromEntries(
        point.categories.map(c => [`category:${c.category}`, c.score]),
      ),
    }));
    body = (
      <>
        {data.length === 1 ? (
          <Typography variant="caption" color="textSecondary">
            One scan so far: the trend grows with every scan.
          </Typography>
        ) : null}
        <div aria-hidden>
          <ResponsiveContainer width="100%" height={260}>
            <LineChart data={rows} margin={{ left: 0, right: 16, top: 8 }}>
              <CartesianGrid {...chart.grid} />
              <XAxis dataKey="tick" {...chart.axis} minTickGap={24} />
              <YAxis
                domain={[0, 100]}
                ticks={[0, 60, 70, 80, 90, 100]}
                {...chart.axis}
              />
              <Tooltip
                {...chart.tooltip}
                labelFormatter={(_label, payload) =>
                  (payload?.[0]?.payload as { at?: string })?.at ?? ''
                }
              />
              <Legend
                wrapperStyle={chart.legend}
                formatter={chart.legendFormatter}
              />
              {GRADE_LINES.map(line => (
                <ReferenceLine
                  key={line.label}
                  y={line.y}
                  stroke={chart.reference}
                  strokeDasharray="2 4"
                  label={{
                    value: line.label,
                    position: 'insideLeft',
                    fill: chart.axis.tick.fill,
                    fontSize: 11,
                  }}
                />
              ))}
              <Line
                type="monotone"
                dataKey="overall"
                name="Overall"
                stroke={chart.line}
                strokeWidth={3}
                dot={{ r: 3 }}
                isAnimationActive={false}
              />
              {categories.map((category, i) => (
                <Line
                  key={category}
                  type="monotone"
                  dataKey={`category:${category}`}
                  name={categoryLabel(category)}
                  stroke={chart.series[(i + 1) % chart.series.length]}
                  strokeWidth={1.5}
                  dot={false}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
        <VisuallyHidden>
          <ol aria-label="Score per scan">
            {data.map(point => (
              <li key={point.scanId}>
                {formatDateTime(point.finishedAt)}: score{' '}
                {formatScore(point.score)}, grade {point.grade}
              </li>
            ))}
          </ol>
        </VisuallyHidden>
      </>
    );
  }

  return (
    <InfoCard title="Score trend">
      <div data-testid="score-trend">{body}</div>
    </InfoCard>
  );
}
