import {
  CartesianGrid,
  LabelList,
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
import { HistoryPoint } from '@security-posture/plugin-security-posture-common';
import { useHistory } from '../../hooks';
import { useChartTheme, VisuallyHidden } from '../charts';
import { categoryLabel, formatDateTime, formatScore } from '../../utils/format';

const GRADE_LINES = [
  { y: 90, label: 'A' },
  { y: 80, label: 'B' },
  { y: 70, label: 'C' },
  { y: 60, label: 'D' },
];

/** Regular score ticks; the grade boundaries are the dashed reference lines. */
export const SCORE_TICKS = [0, 20, 40, 60, 80, 100];

/** Up to this many scans every point is labelled with its score; beyond, only the latest. */
export const MAX_LABELLED_POINTS = 12;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface TrendRow {
  /** Milliseconds since the epoch: the x axis is scaled by time, not by scan number. */
  time: number;
  at: string;
  overall: number;
  grade: string;
  [category: `category:${string}`]: number;
}

/** One row per scan, oldest first, placed by when it finished. */
export function trendRows(points: HistoryPoint[]): TrendRow[] {
  return points
    .map(point => ({
      time: Date.parse(point.finishedAt),
      at: formatDateTime(point.finishedAt),
      overall: point.score,
      grade: point.grade,
      ...Object.fromEntries(
        point.categories.map(c => [`category:${c.category}`, c.score]),
      ),
    }))
    .filter(row => !Number.isNaN(row.time))
    .sort((a, b) => a.time - b.time);
}

/**
 * The x domain: first to last scan. A single scan (or scans at one instant) gets half a day
 * either side, so that it sits in the middle instead of on a degenerate axis.
 */
export function timeDomain(rows: TrendRow[]): [number, number] {
  const first = rows[0]?.time ?? 0;
  const last = rows[rows.length - 1]?.time ?? first;
  return last > first ? [first, last] : [first - DAY / 2, last + DAY / 2];
}

/** Date ticks (UTC) as precise as the span needs: times within two days, dates beyond. */
export function timeTickFormatter(domain: [number, number]) {
  const span = domain[1] - domain[0];
  return (time: number) => {
    const iso = new Date(time).toISOString();
    if (span <= 2 * DAY) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    if (span <= 300 * DAY) return iso.slice(5, 10);
    return iso.slice(0, 10);
  };
}

/** The chart itself; `width`/`height` come from the ResponsiveContainer (or a test). */
export function ScoreTrendLines(props: {
  rows: TrendRow[];
  categories: string[];
  width?: number;
  height?: number;
}) {
  const { rows, categories, width, height } = props;
  const chart = useChartTheme();
  const domain = timeDomain(rows);
  const labelAll = rows.length <= MAX_LABELLED_POINTS;
  return (
    <LineChart
      width={width}
      height={height}
      data={rows}
      margin={{ left: 0, right: 32, top: 20, bottom: 0 }}
    >
      <CartesianGrid {...chart.grid} />
      <XAxis
        dataKey="time"
        type="number"
        scale="time"
        domain={domain}
        tickFormatter={timeTickFormatter(domain)}
        {...chart.axis}
        minTickGap={24}
      />
      <YAxis
        domain={[0, 100]}
        ticks={SCORE_TICKS}
        interval={0}
        {...chart.axis}
        width={36}
      />
      <Tooltip
        {...chart.tooltip}
        labelFormatter={(_label, payload) =>
          (payload?.[0]?.payload as TrendRow | undefined)?.at ?? ''
        }
        formatter={(value: number, name: string) => [formatScore(value), name]}
      />
      <Legend wrapperStyle={chart.legend} formatter={chart.legendFormatter} />
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
        dot={{ r: 4 }}
        isAnimationActive={false}
      >
        <LabelList
          dataKey="overall"
          content={(label: {
            x?: number | string;
            y?: number | string;
            value?: number | string;
            index?: number;
          }) => {
            const { x, y, value, index } = label;
            if (!labelAll && index !== rows.length - 1) return null;
            // The first and last points sit on the chart's edges: keep their labels inside.
            let anchor: 'start' | 'middle' | 'end' = 'middle';
            if (rows.length > 1 && index === 0) anchor = 'start';
            if (rows.length > 1 && index === rows.length - 1) anchor = 'end';
            return (
              <text
                x={Number(x) + (anchor === 'start' ? 4 : 0)}
                y={Number(y) - 10}
                textAnchor={anchor}
                fill={chart.axis.tick.fill}
                fontSize={11}
                fontWeight={600}
                className="score-trend-value"
              >
                {formatScore(Number(value))}
              </text>
            );
          }}
        />
      </Line>
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
  );
}

/** Overall and per-category score of every recorded scan, placed by time. */
export function ScoreTrendChart() {
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
    const rows = trendRows(data);
    const latest = rows[rows.length - 1];
    body = (
      <>
        {latest ? (
          <Typography variant="body2" data-testid="score-trend-latest">
            Latest: <strong>{formatScore(latest.overall)}</strong> (grade{' '}
            {latest.grade}) on {latest.at}
            {rows.length > 1
              ? `, ${rows.length} scans since ${rows[0].at}`
              : ''}
          </Typography>
        ) : null}
        {data.length === 1 ? (
          <Typography variant="caption" color="textSecondary">
            One scan so far: the trend grows with every scan.
          </Typography>
        ) : null}
        <div aria-hidden>
          <ResponsiveContainer width="100%" height={260}>
            <ScoreTrendLines rows={rows} categories={categories} />
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
