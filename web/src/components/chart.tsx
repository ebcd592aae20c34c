// ECharts through echarts/core with only what the pages draw (line and bar charts, grid, tooltip,
// legend, the aria description), so the bundle carries no other chart type (ADR 0095). The chart
// has a text alternative: ECharts' aria component writes a description of the series into the
// container's aria-label.
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([
  LineChart,
  BarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  AriaComponent,
  CanvasRenderer,
]);

/**
 * Set once per page load when the first chart is drawn with its data: the benchmark's
 * first_render_ms reads it (test/support/dashboard-browser.ts measureFirstRender).
 */
export const FIRST_CHART_MARK = 'shoujia:first-chart';

export interface ChartSeries {
  name: string;
  kind: 'line' | 'bar';
  values: Array<number | null>;
}

export function Chart({
  categories,
  series,
  label,
  height = 280,
  formatValue,
}: {
  categories: string[];
  series: ChartSeries[];
  /** what the chart shows, for screen readers and as the figure's caption */
  label: string;
  height?: number;
  formatValue?: (value: number) => string;
}) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    chart.setOption({
      aria: { enabled: true, label: { description: label } },
      animation: false,
      grid: { left: 56, right: 24, top: 40, bottom: 32 },
      legend: { top: 4 },
      tooltip: {
        trigger: 'axis',
        ...(formatValue ? { valueFormatter: (value: number) => formatValue(value) } : {}),
      },
      xAxis: { type: 'category', data: categories },
      yAxis: {
        type: 'value',
        // counts and fen are integers: no tick at 0.2 of an application (or of a fen)
        minInterval: 1,
        ...(formatValue
          ? {
              axisLabel: {
                formatter: (value: number) => (Number.isSafeInteger(value) ? formatValue(value) : ''),
              },
            }
          : {}),
      },
      series: series.map((s) => ({ name: s.name, type: s.kind, data: s.values, connectNulls: true })),
    });
    // setOption draws synchronously on the canvas: the chart is on screen now
    if (performance.getEntriesByName(FIRST_CHART_MARK, 'mark').length === 0)
      performance.mark(FIRST_CHART_MARK);
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [categories, series, label, formatValue]);
  return (
    <figure className="chart">
      <div ref={element} style={{ height }} role="img" aria-label={label} />
      <figcaption className="visually-hidden">{label}</figcaption>
    </figure>
  );
}
