import { afterEach, describe, expect, it, vi } from 'vitest';
import { routeCommand } from './cli.ts';

describe('shoujia route', () => {
  afterEach(() => vi.restoreAllMocks());
  it('routes against the demo catalogue and explains every product', async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const code = await routeCommand.run([
      '--age',
      '30',
      '--region',
      '510104',
      '--amount-fen',
      '2000000',
      '--term-months',
      '12',
      '--score',
      '700',
      '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(String(out.mock.calls[0]![0]));
    expect(result).toMatchObject({ score: 700, band: 'B' });
    expect(result.offers.map((o: { funderId: string }) => o.funderId)).toContain('chengdu-bank');
    expect(
      result.explanations.find((e: { productId: string }) => e.productId === 'shanghai-rcb-standard'),
    ).toMatchObject({ eligible: false, code: 'region_not_licensed' });
    expect(result.explanations).toHaveLength(30);
  });
  it('exits 2 naming the bad argument', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(
      await routeCommand.run([
        '--age',
        '30',
        '--region',
        '310104',
        '--amount-fen',
        'lots',
        '--term-months',
        '12',
      ]),
    ).toBe(2);
    expect(String(err.mock.calls[0]![0])).toContain('--amount-fen');
    expect(await routeCommand.run(['--region', '310104', '--amount-fen', '100', '--term-months', '12'])).toBe(
      2,
    );
    expect(String(err.mock.calls[1]![0])).toContain('--age');
    expect(await routeCommand.run(['--bogus'])).toBe(2);
  });
});
