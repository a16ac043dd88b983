import { render } from '@testing-library/react';
import { makeHistoryPoint } from '../../__testUtils__';
import {
  MAX_LABELLED_POINTS,
  SCORE_TICKS,
  ScoreTrendLines,
  timeDomain,
  timeTickFormatter,
  trendRows,
} from './ScoreTrendChart';

const HOUR = 3_600_000;

/** Three scans: two an hour apart, the third ten days later. */
const points = [
  makeHistoryPoint({
    scanId: 'scan-1',
    finishedAt: '2026-11-01T08:00:00.000Z',
    score: 40,
    grade: 'F',
  }),
  makeHistoryPoint({
    scanId: 'scan-2',
    finishedAt: '2026-11-01T09:00:00.000Z',
    score: 55.5,
    grade: 'F',
  }),
  makeHistoryPoint({
    scanId: 'scan-3',
    finishedAt: '2026-11-11T09:00:00.000Z',
    score: 72.5,
    grade: 'C',
  }),
];

function renderChart(rows = trendRows(points)) {
  return render(
    <ScoreTrendLines
      rows={rows}
      categories={['auth', 'catalog']}
      width={800}
      height={260}
    />,
  );
}

function texts(container: HTMLElement, selector: string) {
  return [...container.querySelectorAll(selector)].map(e => e.textContent);
}

describe('ScoreTrendChart', () => {
  it('places scans by time, not evenly', () => {
    const { container } = renderChart();
    const dots = [
      ...container.querySelectorAll(
        '.recharts-line-dots circle.recharts-line-dot',
      ),
    ]
      .slice(0, 3)
      .map(c => Number(c.getAttribute('cx')));
    expect(dots).toHaveLength(3);
    const firstGap = dots[1] - dots[0];
    const secondGap = dots[2] - dots[1];
    // One hour, then 240 hours: the gaps keep that ratio (evenly spaced they would be equal).
    expect(secondGap / firstGap).toBeCloseTo(240, 0);
  });

  it('has regular score ticks and date ticks', () => {
    const { container } = renderChart();
    const yTicks = texts(
      container,
      '.recharts-yAxis .recharts-cartesian-axis-tick-value',
    );
    expect(yTicks).toEqual(['0', '20', '40', '60', '80', '100']);
    expect(SCORE_TICKS).toEqual([0, 20, 40, 60, 80, 100]);
    const xTicks = texts(
      container,
      '.recharts-xAxis .recharts-cartesian-axis-tick-value',
    );
    expect(xTicks.length).toBeGreaterThan(1);
    xTicks.forEach(tick => expect(tick).toMatch(/^\d{2}-\d{2}$/));
  });

  it('shows the values on the chart, not only in the tooltip', () => {
    const { container } = renderChart();
    expect(texts(container, '.score-trend-value')).toEqual([
      '40',
      '55.5',
      '72.5',
    ]);
  });

  it('labels only the latest value when there are many scans', () => {
    const many = Array.from({ length: MAX_LABELLED_POINTS + 3 }, (_, i) =>
      makeHistoryPoint({
        scanId: `scan-${i}`,
        finishedAt: new Date(
          Date.UTC(2026, 10, 1) + i * 6 * HOUR,
        ).toISOString(),
        score: 50 + i,
      }),
    );
    const { container } = renderChart(trendRows(many));
    expect(texts(container, '.score-trend-value')).toEqual([
      String(50 + MAX_LABELLED_POINTS + 2),
    ]);
  });

  it('formats ticks by span and centres a single scan', () => {
    const day = Date.UTC(2026, 10, 1, 8);
    expect(timeTickFormatter([day, day + 5 * HOUR])(day)).toBe('11-01 08:00');
    expect(timeTickFormatter([day, day + 10 * 24 * HOUR])(day)).toBe('11-01');
    expect(timeTickFormatter([day, day + 400 * 24 * HOUR])(day)).toBe(
      '2026-11-01',
    );
    const single = trendRows([points[0]]);
    const [from, to] = timeDomain(single);
    expect(single[0].time - from).toBe(to - single[0].time);
    expect(to).toBeGreaterThan(from);
  });

  it('orders rows by time and keeps category scores', () => {
    const rows = trendRows([points[2], points[0]]);
    expect(rows.map(r => r.overall)).toEqual([40, 72.5]);
    expect(rows[0]['category:auth']).toBe(60);
  });
});
