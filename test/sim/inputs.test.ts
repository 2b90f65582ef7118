import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTime } from '../../shared/composition/sim/market-data.js';
import { planSimulation } from '../../shared/composition/sim/plan.js';
import { runSimulation, SimInputError } from '../../shared/composition/sim.js';
import type { DeploymentConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import { checkEventLog } from '../../shared/domain/sim/event-checks.js';
import { DAY, levelsBetween, ohlcv, repoRoot, sharedData, simConfig, tempDir } from '../support/sim.js';

const dir = tempDir();
afterAll(() => dir.remove());

const doge = (simulation: Record<string, unknown> = {}, symbol = 'DOGE/USDC:USDC') =>
  simConfig(
    {
      symbol,
      levels: { source: 'manual', prices: ['0.19', '0.195', '0.2', '0.205', '0.21'] },
      base_amount_per_grid: '100',
    },
    { demo_market: { days: 0.1 }, ...simulation },
  );
const plan = (config: DeploymentConfig, more: Record<string, unknown> = {}) =>
  planSimulation({ config, configDir: repoRoot, ...more });
const csv = (name: string, rows: string[]) => {
  const path = join(dir.path, name);
  writeFileSync(path, `open_time_ms,open,high,low,close,volume\n${rows.join('\n')}\n`);
  return path;
};
const T = Date.UTC(2025, 0, 6);

describe('market data files', () => {
  it('names the file and line of a bad row', () => {
    const path = csv('bad.csv', [`${T},0.2,0.21,0.19,0.2,10`, `${T + 60_000},0.2,0.19,0.21,0.2,10`]);
    const run = () => plan(doge(), { candles: { 'DOGE/USDC:USDC': path } });
    expect(run).toThrow(SimInputError);
    expect(run).toThrow(`${path}:3: high must be ≥ open, close, low and low ≤ open, close`);
  });

  it('names bad cells, bad times and out-of-order rows by line', () => {
    const cases: [string[], RegExp][] = [
      [[`${T},0.2,abc,0.19,0.2,10`], /:2: high must be a decimal number, got "abc"/],
      [[`${T},0.2,0.21,0.19,0.2`], /:2: expected at least 6 columns, got 5/],
      [
        [`${T + 5},0.2,0.21,0.19,0.2,10`],
        /:2: the open time 2025-01-06T00:00:00.005Z is not on a whole minute/,
      ],
      [
        [`x${T},0.2,0.21,0.19,0.2,10`],
        /:2: the open time must be epoch seconds, milliseconds or microseconds/,
      ],
      [
        [`${T},0.2,0.21,0.19,0.2,10`, `${T},0.2,0.21,0.19,0.2,10`],
        /:3: the open time 2025-01-06T00:00:00Z is not after the previous row.s 2025-01-06T00:00:00Z/,
      ],
      [[`${T},0,0.21,0,0.2,10`], /:2: prices must be greater than 0/],
      [[], /no candles after the header/],
    ];
    cases.forEach(([rows, message], i) => {
      const path = csv(`case${i}.csv`, rows);
      expect(() => plan(doge(), { candles: { 'DOGE/USDC:USDC': path } })).toThrow(message);
    });
    const unknown = join(dir.path, 'unknown-header.csv');
    writeFileSync(unknown, `when,open,high,low,close,volume\n${T},0.2,0.21,0.19,0.2,10\n`);
    expect(() => plan(doge(), { candles: { 'DOGE/USDC:USDC': unknown } })).toThrow(
      /:1: no time column in the header "when,open,high,low,close,volume" \(known names: open_time_ms, open_time/,
    );
  });

  it('reads Binance Vision files (no header, 12 columns, ms or µs), header aliases, epoch seconds and ISO times alike', () => {
    const rows = [0, 1, 2].map((m) => ({
      t: T + m * 60_000,
      o: '0.2',
      h: '0.21',
      l: '0.19',
      c: '0.205',
      v: '10',
    }));
    const write = (name: string, text: string) => {
      const path = join(dir.path, name);
      writeFileSync(path, text);
      return path;
    };
    const files = [
      write(
        'vision.csv',
        rows
          .map((r) => `${r.t},${r.o},${r.h},${r.l},${r.c},${r.v},${r.t + 59_999},2.05,7,5,1.02,0`)
          .join('\n'),
      ),
      write(
        'vision-us.csv',
        rows.map((r) => `${r.t * 1000},${r.o},${r.h},${r.l},${r.c},${r.v},0,0,0,0,0,0`).join('\n'),
      ),
      write(
        'aliases.csv',
        `Timestamp,O,H,L,C,Vol,extra\n${rows.map((r) => `${r.t / 1000},${r.o},${r.h},${r.l},${r.c},${r.v},x`).join('\n')}\n`,
      ),
      write(
        'iso.csv',
        `time,open,high,low,close,volume\n${rows.map((r) => `${new Date(r.t).toISOString()},${r.o},${r.h},${r.l},${r.c},${r.v}`).join('\n')}\n`,
      ),
    ];
    for (const path of files) {
      const feed = plan(doge(), { candles: { 'DOGE/USDC:USDC': path } }).feeds[0]!;
      expect(
        feed.candles.map((c) => c.openTime),
        path,
      ).toEqual(rows.map((r) => r.t));
      expect(feed.candles[0]!.close.toFixed(), path).toBe('0.205');
    }
    // An ISO time without its offset is ambiguous in a file: refused, naming the fix.
    const naive = write(
      'naive.csv',
      `time,open,high,low,close,volume\n2025-01-06T00:00:00,0.2,0.21,0.19,0.2,10\n`,
    );
    expect(() => plan(doge(), { candles: { 'DOGE/USDC:USDC': naive } })).toThrow(
      /ISO 8601 time with its offset/,
    );
  });

  it('reads --from / --to as UTC unless they state an offset, wherever the machine is', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      expect(parseTime('2025-06-01', '--from')).toBe(Date.UTC(2025, 5, 1));
      expect(parseTime('2025-06-01T08:30', '--from')).toBe(Date.UTC(2025, 5, 1, 8, 30));
      expect(parseTime('2025-06-01T08:30:00+08:00', '--from')).toBe(Date.UTC(2025, 5, 1, 0, 30));
      expect(parseTime(String(Date.UTC(2025, 5, 1)), '--to')).toBe(Date.UTC(2025, 5, 1));
      expect(() => parseTime('next friday', '--to')).toThrow(/--to: expected an ISO 8601 time/);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('warns of missing minutes with their span, and replays across them', () => {
    const path = csv('gappy.csv', [
      `${T},0.2,0.21,0.19,0.2,10`,
      `${T + 60_000},0.2,0.21,0.19,0.2,10`,
      `${T + 10 * 60_000},0.2,0.21,0.19,0.2,10`,
    ]);
    const warnings: string[] = [];
    const feed = plan(doge(), {
      candles: { 'DOGE/USDC:USDC': path },
      onWarning: (m: string) => warnings.push(m),
    }).feeds[0]!;
    expect(feed.candles).toHaveLength(3);
    expect(warnings).toEqual([
      `${path}: 8 minute(s) missing, 2025-01-06T00:02:00Z to 2025-01-06T00:10:00Z (the replay goes straight across)`,
    ]);
  });

  it('says when a file is missing', () => {
    expect(() => plan(doge(), { candles: { 'DOGE/USDC:USDC': '/nonexistent/x.csv' } })).toThrow(
      'candles file not found: /nonexistent/x.csv',
    );
    expect(() => plan(doge(), { ticks: { 'DOGE/USDC:USDC': '/nonexistent/t.csv' } })).toThrow(
      'ticks file not found',
    );
    expect(() => plan(doge(), { funding: { 'DOGE/USDC:USDC': '/nonexistent/f.csv' } })).toThrow(
      'funding file not found',
    );
  });

  it('refuses files for a symbol no instance trades, or two kinds of data for one symbol', () => {
    const path = csv('ok.csv', [`${T},0.2,0.21,0.19,0.2,10`, `${T + 60_000},0.2,0.21,0.19,0.2,10`]);
    expect(() => plan(doge(), { candles: { 'BTC/USDT:USDT': path } })).toThrow(
      /--candles BTC\/USDT:USDT=\.\.\.: no enabled instance trades/,
    );
    expect(() =>
      plan(doge(), { candles: { 'DOGE/USDC:USDC': path }, ticks: { 'DOGE/USDC:USDC': path } }),
    ).toThrow(/either --candles or --ticks/);
  });
});

describe('the simulated period', () => {
  const btc = ohlcv('binance_usdm_BTCUSDT_1m_2023-07-18_2023-08-17.csv');
  const btcConfig = (levels: unknown) =>
    simConfig({ symbol: 'BTC/USDT:USDT', levels: levels as never, base_amount_per_grid: '0.01' });

  it('starts at the first candle close for manual levels, and after the history a computed source needs', () => {
    const manual = plan(btcConfig({ source: 'manual', prices: ['29000', '30000'] }), {
      candles: { 'BTC/USDT:USDT': btc },
      to: Date.parse('2023-07-19T00:00:00Z'),
    });
    expect(manual.start).toBe(Date.parse('2023-07-18T11:14:00Z'));
    const atr = plan(btcConfig({ source: 'atr', timeframe: '1h', candles: 24 }), {
      candles: { 'BTC/USDT:USDT': btc },
      to: Date.parse('2023-07-21T00:00:00Z'),
    });
    expect(atr.start).toBe(Date.parse('2023-07-18T11:14:00Z') + 26 * 3_600_000);
  });

  it('explains a start without enough history, or an empty period', () => {
    const atr = btcConfig({ source: 'atr', timeframe: '1h', candles: 24 });
    expect(() =>
      plan(atr, {
        candles: { 'BTC/USDT:USDT': btc },
        from: Date.parse('2023-07-18T20:00:00Z'),
        to: Date.parse('2023-07-19T00:00:00Z'),
      }),
    ).toThrow(/needs 26 h of history before the start .* start later with --from/);
    expect(() =>
      plan(btcConfig({ source: 'manual', prices: ['29000'] }), {
        candles: { 'BTC/USDT:USDT': btc },
        from: Date.parse('2023-07-20T00:00:00Z'),
        to: Date.parse('2023-07-20T00:00:00Z'),
      }),
    ).toThrow(/nothing to simulate: the period 2023-07-20T00:00:00.000Z → 2023-07-20T00:00:00.000Z is empty/);
    expect(() =>
      plan(btcConfig({ source: 'manual', prices: ['29000'] }), {
        candles: { 'BTC/USDT:USDT': btc },
        from: Date.parse('2022-01-01T00:00:00Z'),
        to: Date.parse('2022-01-02T00:00:00Z'),
      }),
    ).toThrow(/no candles in the period asked for/);
  });

  it('needs an opening price for a demo market of a computed level source', () => {
    const c = simConfig({ symbol: 'DOGE/USDC:USDC', levels: { source: 'atr' }, base_amount_per_grid: '100' });
    expect(() => plan(c)).toThrow(
      /demo market needs an opening price for DOGE\/USDC:USDC: set simulation\.demo_market\.prices/,
    );
    const priced = plan(
      simConfig(
        { symbol: 'DOGE/USDC:USDC', levels: { source: 'atr' }, base_amount_per_grid: '100' },
        { demo_market: { days: 1, prices: { 'DOGE/USDC:USDC': '0.3' } } },
      ),
    );
    expect(priced.feeds[0]!.candles[0]!.open.toFixed()).toBe('0.3');
    // 202 hourly bars of warmup come before the demo's regimes.
    expect(priced.start - priced.dataStart).toBeGreaterThanOrEqual(202 * 3_600_000);
  });
});

describe('symbol rules', () => {
  it('come from the built-in table for common symbols', () => {
    const p = plan(doge());
    expect(p.markets.sources['DOGE/USDC:USDC']).toEqual({
      source: 'built-in',
      detail: 'Binance USD-M exchangeInfo of 2025-11-26',
    });
  });

  it('come from an exchangeInfo file when one is given, and from the config above all', () => {
    const info = join(sharedData, 'fixtures/binance_usdm_exchangeInfo_2021-07-21_full.json');
    const btc = { 'BTC/USDT:USDT': '30000' };
    const filed = plan(doge({ demo_market: { days: 0.1, prices: btc } }, 'BTC/USDT:USDT'), {
      exchangeInfo: info,
    });
    expect(filed.markets.sources['BTC/USDT:USDT']).toEqual({ source: 'exchange-info', detail: info });
    // In 2021 BTCUSDT traded on a 0.01 tick (0.1 today): the demo market follows the rules in force.
    expect(filed.feeds[0]!.candles.some((k) => !k.close.modulo('0.1').isZero())).toBe(true);
    const fromConfigFile = plan(
      doge(
        {
          exchange_info: '../shared/data/fixtures/binance_usdm_exchangeInfo_2021-07-21_full.json',
          demo_market: { days: 0.1, prices: btc },
        },
        'BTC/USDT:USDT',
      ),
    );
    expect(fromConfigFile.markets.sources['BTC/USDT:USDT']?.source).toBe('exchange-info');
    const configured = plan(
      doge({
        symbols: {
          'DOGE/USDC:USDC': { tick_size: '0.0001', step_size: '10', min_notional: '1', taker_fee: '0.0003' },
        },
      }),
      { exchangeInfo: info },
    );
    expect(configured.markets.sources['DOGE/USDC:USDC']?.source).toBe('config');
    expect(configured.markets.fees).toEqual({ USDC: { maker: '0', taker: '0.0003' } });
    expect(configured.feeds[0]!.candles.every((k) => k.close.modulo('0.0001').isZero())).toBe(true);
  });

  it('are reported per symbol in the summary, with what the run traded under', async () => {
    const r = await runSimulation({
      config: {
        config: doge({
          symbols: {
            'DOGE/USDC:USDC': {
              tick_size: '0.0001',
              step_size: '10',
              min_notional: '1',
              maker_fee: '0.0001',
            },
          },
        }),
        dir: repoRoot,
      },
      store: 'memory',
    });
    expect(r.summary.symbols['DOGE/USDC:USDC']).toEqual({
      source: 'config',
      from: 'simulation.symbols["DOGE/USDC:USDC"]',
      tickSize: '0.0001',
      stepSize: '10',
      minQty: '10',
      maxQty: '10000000000',
      minNotional: '1',
      contractSize: '1',
      makerFee: '0.0001',
      takerFee: '0.0004',
    });
  });

  it('are refused with the fix when nothing is known about a symbol', () => {
    expect(() => plan(doge({}, 'PEPE/USDT:USDT'))).toThrow(
      /no symbol rules for PEPE\/USDT:USDT: give them under simulation\.symbols\["PEPE\/USDT:USDT"\] .* or pass --exchange-info/,
    );
    expect(() => plan(doge({}, 'BTC/USD:BTC'))).toThrow(/USD-M linear perpetuals written BASE\/QUOTE:QUOTE/);
    expect(() =>
      plan(doge({ symbols: { 'ETH/USDC:USDC': { tick_size: 1, step_size: 1, min_notional: 1 } } })),
    ).toThrow(/simulation\.symbols\["ETH\/USDC:USDC"\]: no instance trades/);
  });
});

describe('trade ticks', () => {
  it('replay trade by trade, filling resting orders partially, every promise kept', async () => {
    const ticks = join(sharedData, 'ticks/binance_usdm_BTCUSDT_trades_2024-07-18T2357_2024-07-19T0005.csv');
    const config = simConfig({
      symbol: 'BTC/USDT:USDT',
      levels: { source: 'manual', prices: levelsBetween(63_700, 64_100, 0.0004, 1) },
      base_amount_per_grid: '0.05',
      // Eight minutes of BTC move about 0.3%: buffers and profit guard sized for that.
      buy_price_buffer_pct: '0.0001',
      sell_price_buffer_pct: '0.0001',
      min_profit_pct: '0.0003',
    });
    const r = await runSimulation({
      config: { config, dir: repoRoot },
      ticks: { 'BTC/USDT:USDT': ticks },
      store: 'memory',
    });
    const s = r.summary.instances[0]!;
    expect(r.summary.market.source).toBe('ticks');
    expect(r.timings.steps).toBe(10_701);
    expect(s.fills.count).toBeGreaterThan(0);
    expect(s.candles).toBeGreaterThanOrEqual(8);
    const events = [...r.eventsJsonl.trim().split('\n')].map((l) => JSON.parse(l));
    expect(
      checkEventLog(events, {
        sellGuard: {
          minProfitPct: dec('0.0003'),
          sellQuotaRatio: dec('0.7'),
          baseAmountPerGrid: dec('0.05'),
        },
        tickSize: dec('0.1'),
        stepSize: dec('0.001'),
      }),
    ).toEqual([]);
    expect(s.violations).toEqual([]);
    // A trade fills a resting order only up to its own size.
    expect(events.some((e) => e.type === 'fill' && dec(e.qty).lessThan('0.05'))).toBe(true);
    expect(r.summary.market.to).toBe(new Date(1721347502282).toISOString());
    expect(r.plan.end - r.plan.start).toBeLessThan(DAY);
  });
});
