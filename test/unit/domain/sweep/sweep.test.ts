/**
 * The pure part of `gridbot sweep`: the sweep file's schema, its expansion into combinations (count, order,
 * distinctness, inclusive ranges exact in Decimal), applying values by path, validating each combination
 * with the deployment schema, ranking and the CSV.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../../shared/domain/money.js';
import {
  applyCombination,
  combinationAt,
  combinations,
  configPath,
  expandSweep,
  MAX_COMBINATIONS,
  parseSweepFile,
  rangeValues,
  rankRows,
  type SweepPlan,
  type SweepRow,
  setByPath,
  sweepCsv,
} from '../../../../shared/domain/sweep/sweep.js';

const base = {
  accounts: [{ id: 'main', exchange: 'binanceusdm' }],
  instances: [
    {
      id: 'dogeklg',
      strategy: 'key_level_grid',
      account: 'main',
      symbol: 'DOGE/USDT:USDT',
      levels: { source: 'range', lower: 0.15, upper: 0.25, count: 10 },
      base_amount_per_grid: 100,
    },
  ],
  simulation: { balances: { main: { USDT: 5000 } } },
};

const plan = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseSweepFile({ params, ...extra }, base);

/** A sweep of 1–4 params, each a list of distinct values or a range. */
const paramsArb = fc
  .array(
    fc.oneof(
      fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 5 }),
      fc
        .record({
          from: fc.integer({ min: -500, max: 500 }),
          steps: fc.integer({ min: 0, max: 6 }),
          step: fc.integer({ min: 1, max: 999 }),
          scale: fc.integer({ min: 0, max: 4 }),
        })
        .map(({ from, steps, step, scale }) => {
          const f = new Decimal(from).dividedBy(10 ** scale);
          const s = new Decimal(step).dividedBy(10 ** scale);
          return { from: f.toNumber(), to: f.plus(s.times(steps)).toNumber(), step: s.toNumber() };
        }),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((specs) => Object.fromEntries(specs.map((s, i) => [`p${i}`, s])));

describe('sweep expansion (properties)', () => {
  it('has the product of the value counts, every combination distinct, in a fixed odometer order', () => {
    fc.assert(
      fc.property(paramsArb, (params) => {
        const p = plan(params);
        const all = combinations(p);
        expect(all).toHaveLength(p.params.reduce((n, q) => n * q.values.length, 1));
        expect(p.count).toBe(all.length);
        const keys = all.map((c) => c.values.map((v) => v.text).join('|'));
        expect(new Set(keys).size).toBe(all.length);
        // Deterministic: a second expansion is the same; combination i is combinationAt(i).
        expect(combinations(plan(params)).map((c) => c.values.map((v) => v.text).join('|'))).toEqual(keys);
        all.forEach((c, i) => {
          expect(c.index).toBe(i);
          expect(combinationAt(p, i)).toEqual(c);
        });
        // The last param changes fastest.
        if (all.length > 1 && p.params.at(-1)!.values.length > 1)
          expect(all[1]!.values.at(-1)).toEqual(p.params.at(-1)!.values[1]);
      }),
    );
  });

  it('ranges include both ends and are exact in Decimal (no binary drift)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -500, max: 500 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 999 }),
        fc.integer({ min: 0, max: 6 }),
        (from, steps, step, scale) => {
          const f = new Decimal(from).dividedBy(10 ** scale);
          const s = new Decimal(step).dividedBy(10 ** scale);
          const to = f.plus(s.times(steps));
          const values = rangeValues('x', { from: f, to, step: s });
          expect(values).toHaveLength(steps + 1);
          expect(values[0]!.text).toBe(f.toFixed());
          expect(values.at(-1)!.text).toBe(to.toFixed());
          values.forEach((v, i) => {
            expect(v.text).toBe(f.plus(s.times(i)).toFixed());
          });
          // What goes into the config prints back the same digits.
          for (const v of values) expect(String(v.raw)).toBe(v.text);
        },
      ),
    );
  });

  it('0.2 to 1.0 in steps of 0.2 is 0.2, 0.4, 0.6, 0.8, 1 (floating point would give 0.6000000000000001)', () => {
    const p = plan({ min_profit_pct: { from: 0.2, to: 1.0, step: 0.2 } });
    expect(p.params[0]!.values.map((v) => v.text)).toEqual(['0.2', '0.4', '0.6', '0.8', '1']);
    expect(p.params[0]!.values.map((v) => v.raw)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('the sweep file', () => {
  it('defaults: the only instance, rank by return, the first two params on the heatmap', () => {
    const p = plan({
      base_amount_per_grid: [100, 200],
      'levels.count': { from: 8, to: 20, step: 4 },
      x: [1],
    });
    expect(p.instance).toBe('dogeklg');
    expect(p.rankBy).toBe('return');
    expect(p.heatmap).toEqual(['base_amount_per_grid', 'levels.count']);
    expect(p.count).toBe(8);
  });

  it.each([
    [{ params: { a: [1] }, rank_by: 'profit' }, /rank_by/],
    [{ params: { a: [1] }, extra: 1 }, /extra/],
    [{ params: { 'bad path!': [1] } }, /params\.bad path!: not a config path/],
    [{ params: { a: [] } }, /params\.a: needs at least one value/],
    [{ params: { a: 'x' } }, /params\.a: must be a list of values/],
    [{ params: { a: { from: 1, to: 2 } } }, /params\.a/],
    [{ params: { a: { from: 1, to: 2, step: 0 } } }, /params\.a\.step: must be greater than 0/],
    [{ params: { a: { from: 'x', to: 2, step: 1 } } }, /params\.a\.from: must be a number/],
    [{ params: { a: { from: 2, to: 1, step: 1 } } }, /params\.a: to \(1\) is below from \(2\); swap them/],
    [
      { params: { a: { from: 0.2, to: 1, step: 0.3 } } },
      /params\.a: to \(1\) is not reached from 0\.2 in steps of 0\.3; set to to 0\.8 or 1\.1/,
    ],
    [{ params: { a: { from: 0, to: 5000, step: 1 } } }, /params\.a: the range has 5001 values/],
    [{ params: { a: [1, 2, 1] } }, /params\.a: 1 is listed twice/],
    [{ params: {} }, /params: sweeps nothing/],
    [{ params: { a: [1, 2], b: [1, 2] }, heatmap: ['a', 'c'] }, /heatmap\[1\]: "c" is not a swept param/],
    [{ params: { a: [1, 2], b: [1, 2] }, heatmap: ['a', 'a'] }, /heatmap: names a twice/],
    [
      { params: { a: [1] }, instance: 'nope' },
      /instance: "nope" is not an instance of the config \(known: dogeklg\)/,
    ],
  ])('refuses %j naming the field', (file, message) => {
    expect(() => parseSweepFile(file, base, 'grid.yaml')).toThrow(message);
  });

  it('refuses too many combinations', () => {
    const many = Array.from({ length: 100 }, (_, i) => i);
    expect(() => plan({ a: many, b: many, c: [1, 2] })).toThrow(
      new RegExp(`params: 20000 combinations \\(100 × 100 × 2\\); at most ${MAX_COMBINATIONS}`),
    );
  });

  it('asks which instance when the config has several', () => {
    const two = { ...base, instances: [base.instances[0], { ...base.instances[0], id: 'other' }] };
    expect(() => parseSweepFile({ params: { a: [1] } }, two)).toThrow(
      /instance: the config has 2 instances \(dogeklg, other\); name the one to rank/,
    );
    expect(parseSweepFile({ params: { a: [1] }, instance: 'other' }, two).instance).toBe('other');
  });
});

describe('applying a combination', () => {
  it('sets instance fields and top-level paths in a copy, making missing sections', () => {
    const p = plan({
      'levels.count': [12],
      min_profit_pct: ['0.004'],
      'simulation.balances.main.USDT': [2500],
      'simulation.fees.maker': [0.0002],
    });
    expect(configPath(base, 'dogeklg', 'levels.count')).toEqual(['instances', 0, 'levels', 'count']);
    expect(configPath(base, 'dogeklg', 'simulation.balances.main.USDT')).toEqual([
      'simulation',
      'balances',
      'main',
      'USDT',
    ]);
    const out = applyCombination(base, p, combinationAt(p, 0)) as typeof base & {
      simulation: { fees: { maker: number } };
    };
    expect(out.instances[0]!.levels.count).toBe(12);
    expect((out.instances[0] as Record<string, unknown>).min_profit_pct).toBe('0.004');
    expect(out.simulation.balances.main.USDT).toBe(2500);
    expect(out.simulation.fees.maker).toBe(0.0002);
    expect(base.instances[0]!.levels.count).toBe(10);
  });

  it('indexes lists, and refuses an index past the end or a path through a value', () => {
    const manual = { a: { prices: [1, 2, 3] } };
    expect(setByPath(manual, ['a', 'prices', '1'], 9)).toEqual({ a: { prices: [1, 9, 3] } });
    expect(() => setByPath(manual, ['a', 'prices', '5'], 9, 'a.prices.5')).toThrow(
      /params\.a\.prices\.5: a\.prices is a list of 3; "5" must be an index below 3/,
    );
    expect(() => setByPath(manual, ['a', 'prices', '0', 'x'], 9, 'a.prices.0.x')).toThrow(
      /params\.a\.prices\.0\.x: a\.prices\.0 is 1, not a section with fields/,
    );
  });

  it('validates every combination with the deployment schema, naming the combination, field and fix', () => {
    const ok = plan({ 'levels.count': [4, 8], base_amount_per_grid: [50, 100] });
    const expanded = expandSweep(base, ok);
    expect(expanded.map((e) => (e.config as typeof base).instances[0]!.levels.count)).toEqual([4, 4, 8, 8]);
    const bad = plan({ base_amount_per_grid: [100], 'levels.count': [8, 1] });
    expect(() => expandSweep(base, bad)).toThrow(
      /combination 1 \(base_amount_per_grid=100, levels\.count=1\) makes an invalid config: instances\[0\]\.levels\.count: must be at least 2.*change the values of params\.base_amount_per_grid \/ params\.levels\.count/,
    );
    const unknown = plan({ 'levels.colour': [1] });
    expect(() => expandSweep(base, unknown)).toThrow(/instances\[0\]\.levels.*colour/);
  });
});

describe('ranking and the CSV', () => {
  const p: SweepPlan = plan({ a: [1, 2], b: ['x', 'y'] }, { rank_by: 'sharpe' });
  const row = (index: number, sharpe: number | null, extra: Partial<SweepRow> = {}): SweepRow => ({
    index,
    values: combinationAt(p, index).values.map((v) => v.text),
    figures: {
      returnPct: String(index - 1),
      maxDrawdownPct: String(4 - index),
      sharpe,
      fills: index * 2,
      gridProfit: `${index}.5`,
      netPnl: '1',
      violations: 0,
    },
    error: null,
    ...extra,
  });
  const rows = [row(0, 1.5), row(1, null), row(2, 2), row(3, 1.5, { figures: null, error: 'boom, "bad"' })];

  it('ranks best first by the metric, missing figures last, ties by index, whatever the input order', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }),
        (shuffled) => {
          expect(rankRows(shuffled, 'sharpe').map((r) => r.index)).toEqual([2, 0, 1, 3]);
          expect(rankRows(shuffled, 'return').map((r) => r.index)).toEqual([2, 1, 0, 3]);
          // Drawdown: lowest first.
          expect(rankRows(shuffled, 'drawdown').map((r) => r.index)).toEqual([2, 1, 0, 3]);
          expect(rankRows(shuffled, 'fills').map((r) => r.index)).toEqual([2, 1, 0, 3]);
          expect(rankRows(shuffled, 'grid_profit').map((r) => r.index)).toEqual([2, 1, 0, 3]);
        },
      ),
    );
  });

  it('writes one row per combination with its params and figures, quoting what needs it', () => {
    const csv = sweepCsv(p, rankRows(rows, 'sharpe'));
    expect(csv.split('\n')).toEqual([
      'rank,combination,a,b,return_pct,max_drawdown_pct,sharpe,fills,grid_profit,net_pnl,violations,error',
      '1,2,2,x,1,2,2,4,2.5,1,0,',
      '2,0,1,x,-1,4,1.5,0,0.5,1,0,',
      '3,1,1,y,0,3,,2,1.5,1,0,',
      '4,3,2,y,,,,,,,,"boom, ""bad"""',
      '',
    ]);
  });
});
