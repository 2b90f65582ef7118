/**
 * `gridbot sweep` end to end: a small sweep over a day of real DOGE candles, run twice in worker threads,
 * gives byte-identical files with one row per combination, ranked by the metric; bad sweep files and
 * options are refused with one line naming the field and the fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../shared/domain/money.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/sim.js';
import { dogeHours, dogeSweepBase, writeYaml } from '../support/sweep.js';

const dir = tempDir('gridbot-sweep-');
afterAll(() => dir.remove());

const write = (name: string, doc: unknown) => writeYaml(dir.path, name, doc);

const config = write('base.yaml', dogeSweepBase([0.2, 0.205, 0.21, 0.215, 0.22, 0.225, 0.23, 0.235, 0.24]));

// The first 12 hours of the real DOGE month (keeps the test fast; the whole month is the measured sweep).
const candles = dogeHours(dir.path, 12);

const grid = write('sweep.yaml', {
  params: {
    base_amount_per_grid: [100, 300],
    min_profit_pct: { from: 0.002, to: 0.006, step: 0.004 },
  },
  rank_by: 'return',
  heatmap: ['min_profit_pct', 'base_amount_per_grid'],
});

const sweep = (out: string, extra: string[] = []) =>
  cli(['sweep', '--config', config, '--grid', grid, '--candles', candles, '--out', out, ...extra]);

const oneLine = (err: string) => {
  expect(err.trim().split('\n')).toHaveLength(1);
  expect(err.startsWith('gridbot: ')).toBe(true);
};

describe('gridbot sweep', () => {
  it('runs every combination in worker threads; a second run writes byte-identical files', async () => {
    const a = join(dir.path, 'a');
    const b = join(dir.path, 'b');
    const first = await sweep(a, ['--workers', '2']);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(
      /gridbot sweep: 4 combinations on 2 workers in [\d.]+ s \([\d.]+ s each\), ranked by return/,
    );
    expect(first.out).toContain(`table: ${join(a, 'sweep.csv')}`);
    // Progress on stderr: plain lines (not a terminal), ending at 4/4.
    expect(first.err).toMatch(/sweep: 100% \(4\/4 combinations/);
    const second = await sweep(b, ['--quiet']);
    expect(second.code, second.err).toBe(0);
    expect(second.err).toBe('');
    for (const f of ['sweep.csv', 'sweep.json', 'sweep.html'])
      expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));

    const csv = readFileSync(join(a, 'sweep.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(
      'rank,combination,base_amount_per_grid,min_profit_pct,return_pct,max_drawdown_pct,sharpe,fills,grid_profit,net_pnl,violations,error',
    );
    const rows = csv.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(4);
    // One row per combination, with its params (combination i: the last param changes fastest).
    const expected = [
      ['100', '0.002'],
      ['100', '0.006'],
      ['300', '0.002'],
      ['300', '0.006'],
    ];
    for (const r of rows) expect([r[2], r[3]]).toEqual(expected[Number(r[1])]);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['0', '1', '2', '3']));
    // Every run worked, without invariant violations, and traded.
    for (const r of rows) {
      expect(r[11]).toBe('');
      expect(r[10]).toBe('0');
      expect(Number(r[7])).toBeGreaterThan(0);
    }
    // Ranked: return highest first, ties by combination index; rank 1..4.
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4']);
    for (let i = 1; i < rows.length; i++) {
      const c = new Decimal(rows[i - 1]![4]!).comparedTo(new Decimal(rows[i]![4]!));
      expect(c === 1 || (c === 0 && Number(rows[i - 1]![1]) < Number(rows[i]![1]))).toBe(true);
    }

    const json = JSON.parse(readFileSync(join(a, 'sweep.json'), 'utf8'));
    expect(json.rows.map((r: { combination: number }) => String(r.combination))).toEqual(
      rows.map((r) => r[1]),
    );
    expect(json.params).toEqual([
      { path: 'base_amount_per_grid', values: ['100', '300'] },
      { path: 'min_profit_pct', values: ['0.002', '0.006'] },
    ]);
    const html = readFileSync(join(a, 'sweep.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('return % by min_profit_pct × base_amount_per_grid');
    // Self-contained: no script, no stylesheet or image fetched from anywhere.
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  }, 120_000);

  it('--json prints sweep.json and the files', async () => {
    const bad = write('one.yaml', { params: { base_amount_per_grid: [100] } });
    const out = join(dir.path, 'json');
    const r = await cli([
      'sweep',
      '--config',
      config,
      '--grid',
      bad,
      '--candles',
      candles,
      '--to',
      '2025-05-25T14:00:00Z',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.files.csv).toBe(join(out, 'sweep.csv'));
    expect(doc.sweep.combinations).toBe(1);
    expect(doc.sweep.rows[0].params).toEqual({ base_amount_per_grid: '100' });
    expect(existsSync(join(out, 'sweep.html'))).toBe(true);
  }, 60_000);

  it.each([
    [
      { params: { min_profit_pct: { from: 0.2, to: 1, step: 0.3 } } },
      /params\.min_profit_pct: to \(1\) is not reached/,
    ],
    [{ params: { base_amount_per_grid: [100] }, rank_by: 'profit' }, /rank_by: Invalid option/],
    [{ params: { base_amount_per_grid: [100] }, instance: 'x' }, /instance: "x" is not an instance/],
    [
      { params: { base_amount_per_grid: [100, -5] } },
      /combination 1 \(base_amount_per_grid=-5\) makes an invalid config: instances\[0\]\.base_amount_per_grid: .*change the values of params\.base_amount_per_grid/,
    ],
    [{ params: { 'levels.count': [8] } }, /instances\[0\]\.levels.*count/],
  ])('refuses the bad sweep file %j with one line naming the field (exit 1)', async (doc, message) => {
    const r = await cli([
      'sweep',
      '--config',
      config,
      '--grid',
      write('bad.yaml', doc),
      '--candles',
      candles,
    ]);
    expect(r.code).toBe(1);
    oneLine(r.err);
    expect(r.err).toMatch(message);
  });

  it('refuses a bad --workers, a missing sweep file or data file and a bad base config (exit 1)', async () => {
    const w = await cli(['sweep', '--config', config, '--grid', grid, '--workers', '0']);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(/--workers 0: give a whole number ≥ 1/);
    const missing = await cli(['sweep', '--config', config, '--grid', join(dir.path, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read the sweep file .*nope\.yaml/);
    // An input every combination shares (the data file) fails them all: refused as bad input.
    const noData = await cli([
      'sweep',
      '--config',
      config,
      '--grid',
      grid,
      '--candles',
      join(dir.path, 'no.csv'),
      '--quiet',
    ]);
    expect(noData.code).toBe(1);
    oneLine(noData.err);
    expect(noData.err).toMatch(
      /every combination failed; combination 0 \(base_amount_per_grid=100, min_profit_pct=0\.002\): .*no\.csv/,
    );
    const badBase = write('badbase.yaml', { accounts: [], instances: [] });
    const b = await cli(['sweep', '--config', badBase, '--grid', grid]);
    expect(b.code).toBe(1);
    oneLine(b.err);
    expect(b.err).toMatch(/accounts/);
  }, 60_000);
});
