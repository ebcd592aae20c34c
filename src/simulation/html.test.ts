// report.html: self-contained, one chart per question, the detector's charts only when one ran.
import { describe, expect, it } from 'vitest';
import { compact, cumulativeOf, lineChart, reportHtml } from './html.ts';
import type { Detector } from './model.ts';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';

describe('reportHtml', () => {
  it('draws evidence instead of scores without a detector, and scores and levels with one', () => {
    const scenario = parseScenario({
      days: 60,
      customers: { count: 1000 },
      funders: [
        { id: 'a', strategy: { kind: 'honest' } },
        { id: 'p', strategy: { kind: 'poacher', interceptionRate: 0.5 } },
      ],
    });
    if (!scenario.ok) throw new Error(scenario.message);
    const plain = reportHtml(simulate(scenario.value).report);
    expect(plain.match(/<svg /g)?.length).toBe(4);
    expect(plain).toContain('Evidence recorded against each funder');
    expect(plain).not.toContain('Alert level');
    const detector: Detector = {
      name: 'always-watch',
      start: () => {},
      observeDay: () => [
        { funderId: 'a', score: 0.1, level: 'none' },
        { funderId: 'p', score: 0.4, level: 'watch' },
      ],
    };
    const withDetector = reportHtml(simulate(scenario.value, { detector }).report);
    expect(withDetector.match(/<svg /g)?.length).toBe(5);
    expect(withDetector).toContain('Poaching score by funder');
    expect(withDetector).toContain('Alert level by funder');
    expect(withDetector).toContain('<td>0</td>'); // watch reached on day 0
  });

  it('chart helpers: compact ticks, cumulative sums, escaped titles, gaps for null', () => {
    expect(compact(0)).toBe('0');
    expect(compact(2500)).toBe('2.5k');
    expect(compact(56_226_612)).toBe('56.2M');
    expect(cumulativeOf([1, 2, 3])).toEqual([1, 3, 6]);
    const svg = lineChart('a < b & c', [0, 7, 14], [{ name: 'x', values: [1, null, 3] }]);
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg.match(/M/g)?.length).toBe(2); // the null splits the line in two
  });
});
