// `shoujia simulate` end to end in process: bad arguments and invalid scenarios exit 2 before
// running, naming the argument or every problem's JSON path; a valid run writes the three files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSimulateArgs, simulateCommand } from './cli.ts';

let dir: string;
let errors: string[];
let logs: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoujia-sim-'));
  errors = [];
  logs = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function writeScenario(content: unknown): string {
  const file = join(dir, 's.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const SMALL = {
  days: 120,
  customers: { count: 3000 },
  funders: [
    { id: 'bank-a', strategy: { kind: 'honest' } },
    { id: 'cfc-b', strategy: { kind: 'poacher', startDay: 10, interceptionRate: 0.4, reawakeningRate: 0.2 } },
  ],
};

describe('shoujia simulate', () => {
  it('names the bad argument and exits 2', async () => {
    expect(parseSimulateArgs(['--out', 'x'])).toBe('--scenario is required');
    expect(parseSimulateArgs(['--scenario', 's.json'])).toBe('--out is required');
    expect(parseSimulateArgs(['--scenario', 's', '--out', 'o', '--seed', '-1'])).toMatch(/^--seed/);
    expect(parseSimulateArgs(['--scenario', 's', '--out', 'o', '--seed', '4294967296'])).toMatch(/^--seed/);
    expect(parseSimulateArgs(['--scenario', 's', '--out', 'o', '--fast'])).toBe('unknown argument --fast');
    expect(parseSimulateArgs(['--scenario', 's', '--out', 'o', '--detector', 'magic'])).toBe(
      '--detector magic is not registered (known: shoujia)',
    );
    expect(await simulateCommand.run(['--scenario', 's.json', '--out', dir, '--seed', 'abc'])).toBe(2);
    expect(errors.join('\n')).toContain('--seed must be an integer');
  });

  it('rejects an invalid scenario before running, listing every problem by JSON path', async () => {
    const file = writeScenario({
      ...SMALL,
      days: 0,
      extra: true,
      funders: [{ id: 'x', strategy: { kind: 'poacher', interceptionRate: 1.2, maxMonthlyShare: 'lots' } }],
    });
    expect(await simulateCommand.run(['--scenario', file, '--out', join(dir, 'out'), '--quiet'])).toBe(2);
    const text = errors.join('\n');
    expect(text).toContain('$.days:');
    expect(text).toContain('$.extra: unknown field');
    expect(text).toContain('$.funders[0].strategy.interceptionRate:');
    expect(text).toContain('$.funders[0].strategy.maxMonthlyShare:');
    expect(() => readFileSync(join(dir, 'out', 'report.json'))).toThrow();
  });

  it('rejects malformed JSON with exit 2 and a missing file with exit 1', async () => {
    expect(
      await simulateCommand.run(['--scenario', writeScenario('{"days": '), '--out', dir, '--quiet']),
    ).toBe(2);
    expect(await simulateCommand.run(['--scenario', join(dir, 'absent.json'), '--out', dir, '--quiet'])).toBe(
      1,
    );
  });

  it('writes report.json in the issue’s shape, a self-contained report.html and the evidence stream', async () => {
    const out = join(dir, 'out');
    expect(
      await simulateCommand.run([
        '--scenario',
        writeScenario(SMALL),
        '--out',
        out,
        '--seed',
        '5',
        '--compare-baseline',
        '--quiet',
      ]),
    ).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.scenario.seed).toBe(5);
    expect(report.scenario.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(report.platform)).toEqual(
      expect.arrayContaining([
        'applications',
        'booked',
        'serviceFeesFen',
        'poachingLossFen',
        'canaryCostFen',
        'penaltiesFen',
        'customersLost',
        'baseline',
      ]),
    );
    expect(typeof report.runtimeMs).toBe('number');
    const [a, b] = report.funders;
    expect(a).toMatchObject({
      id: 'bank-a',
      truth: 'honest',
      poached: 0,
      firstPoachDay: null,
      alertDay: { watch: null, suspect: null, confirmed: null },
    });
    expect(b.truth).toBe('poacher');
    expect(b.poached).toBeGreaterThan(0);
    expect(b.poachedBeforeConfirmed).toBe(b.poached);
    expect(report.detector).toBeNull();
    expect(report.notes[0]).toMatch(/^No detector ran/);
    expect(report.baseline.platform.canaries).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(4);
    expect(html).toContain('no-defence baseline');
    // Self-contained: no scripts, stylesheets or images fetched from anywhere (the SVG namespace is a name, not a fetch).
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(
      /https?:\/\/|<script|<link|<img/,
    );
    const lines = readFileSync(join(out, 'evidence.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(
      lines.reduce(
        (t, d) => t + d.relayContacts.filter((c: { funderId: string }) => c.funderId === b.id).length,
        0,
      ),
    ).toBe(b.relayContactsRecorded);
    expect(logs.join('\n')).toContain('no detector: alert days are null');
  });
});
