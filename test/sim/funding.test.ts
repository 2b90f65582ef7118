/**
 * Funding by default: a simulation settles funding whenever rates for the symbol and period are at hand
 * (`--funding`, or a funding file next to the market data), and says "funding not modelled" otherwise.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planSimulation } from '../../shared/composition/sim/plan.js';
import { runSimulation } from '../../shared/composition/sim.js';
import type { DeploymentConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import { DAY, levelsBetween, ohlcv, repoRoot, sharedData, simConfig, tempDir } from '../support/sim.js';

const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});
const newDir = () => {
  const d = tempDir('gridbot-funding-');
  dirs.push(d);
  return d.path;
};

const HOUR = 3_600_000;
const T = Date.UTC(2025, 0, 6);
const DOGE = 'DOGE/USDC:USDC';
const doge = (): DeploymentConfig =>
  simConfig({
    symbol: DOGE,
    levels: { source: 'manual', prices: ['0.19', '0.195', '0.2', '0.205', '0.21'] },
    base_amount_per_grid: '100',
  });

/** A day of flat one-minute candles from T. */
function candleFile(dir: string, name = 'DOGEUSDC_1m_2025-01-06_2025-01-07.csv'): string {
  const rows = ['open_time_ms,open,high,low,close,volume'];
  for (let i = 0; i < 24 * 60; i++) rows.push(`${T + i * 60_000},0.2,0.2,0.2,0.2,10`);
  const path = join(dir, name);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

function fundingFile(dir: string, name: string, times: readonly number[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `funding_time_ms,funding_rate\n${times.map((t) => `${t},0.0001`).join('\n')}\n`);
  return path;
}

const everyEightHours = (from: number, to: number) => {
  const out: number[] = [];
  for (let t = from; t <= to; t += 8 * HOUR) out.push(t);
  return out;
};

const planWith = (candles: string, funding?: string) =>
  planSimulation({
    config: doge(),
    configDir: repoRoot,
    candles: { [DOGE]: candles },
    ...(funding ? { funding: { [DOGE]: funding } } : {}),
  });

describe('where a simulation takes its funding rates from', () => {
  it('uses the funding file `gridbot data fetch` saved next to the candles when it spans the period', () => {
    const dir = newDir();
    const candles = candleFile(dir);
    const funding = fundingFile(
      dir,
      'DOGEUSDC_funding_2025-01-06_2025-01-07.csv',
      everyEightHours(T, T + DAY),
    );
    const feed = planWith(candles).feeds[0]!;
    expect(feed.fundingInfo).toEqual({ modelled: true, how: 'found', file: funding, rates: 4 });
    expect(feed.funding.map((r) => r.fundingTime)).toEqual(everyEightHours(T, T + DAY));
  });

  it('looks in ../funding too, the layout of the shared data directory', () => {
    const root = newDir();
    mkdirSync(join(root, 'ohlcv_1m'));
    const candles = candleFile(join(root, 'ohlcv_1m'), 'binance_usdm_DOGEUSDC_1m_2025-01-06.csv');
    const funding = fundingFile(
      join(root, 'funding'),
      'binance_usdm_DOGEUSDC_funding_8h_2025-01-06.csv',
      everyEightHours(T, T + DAY),
    );
    expect(planWith(candles).feeds[0]!.fundingInfo).toMatchObject({ modelled: true, file: funding });
  });

  it('does not model funding from a file that misses part of the period, and says which file and why', () => {
    const dir = newDir();
    const candles = candleFile(dir);
    fundingFile(dir, 'DOGEUSDC_funding_old.csv', everyEightHours(T - 3 * DAY, T - 2 * DAY));
    const feed = planWith(candles).feeds[0]!;
    expect(feed.funding).toEqual([]);
    expect(feed.fundingInfo.modelled).toBe(false);
    expect(feed.fundingInfo).toMatchObject({
      note: expect.stringMatching(
        /^funding not modelled: no DOGEUSDC funding file spans .* \(found DOGEUSDC_funding_old\.csv \(2025-01-03T00:00:00\.000Z → 2025-01-04T00:00:00\.000Z\)\)$/,
      ),
    });
  });

  it('says funding is not modelled when there is no funding file for the symbol', () => {
    const dir = newDir();
    const candles = candleFile(dir);
    fundingFile(dir, 'BTCUSDT_funding_2025-01-06.csv', everyEightHours(T, T + DAY));
    expect(planWith(candles).feeds[0]!.fundingInfo).toEqual({
      modelled: false,
      note: 'funding not modelled: no DOGEUSDC funding file next to DOGEUSDC_1m_2025-01-06_2025-01-07.csv (give one with --funding)',
    });
  });

  it('takes --funding over a file found next to the candles, and notes when it does not span the period', () => {
    const dir = newDir();
    const candles = candleFile(dir);
    fundingFile(dir, 'DOGEUSDC_funding_2025-01-06_2025-01-07.csv', everyEightHours(T, T + DAY));
    const explicit = fundingFile(join(dir, 'other'), 'rates.csv', [T + 8 * HOUR]);
    const info = planWith(candles, explicit).feeds[0]!.fundingInfo;
    expect(info).toMatchObject({ modelled: true, how: 'option', file: explicit, rates: 1 });
    expect(info.modelled && info.note).toMatch(/^rates\.csv covers .*: funding outside it is not modelled$/);
  });
});

describe('funding in a simulation’s outputs', () => {
  it('picks up the real DOGEUSDT funding file next to the June 2025 candles and reports what the position paid', async () => {
    const out = newDir();
    const start = Date.parse('2025-06-20T00:00:00Z');
    const r = await runSimulation({
      config: {
        config: simConfig(
          {
            symbol: 'DOGE/USDT:USDT',
            levels: { source: 'manual', prices: levelsBetween(0.14, 0.18, 0.01, 5) },
            base_amount_per_grid: '300',
          },
          { balances: { main: { USDT: '10000' } } },
        ),
        dir: repoRoot,
      },
      candles: { 'DOGE/USDT:USDT': ohlcv('binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv') },
      from: start,
      to: start + 1.5 * DAY,
      store: 'memory',
      outDir: out,
    });
    const file = join(sharedData, 'funding/binance_usdm_DOGEUSDT_funding_8h_2025-05-25_2025-06-24.csv');
    expect(r.summary.market.funding['DOGE/USDT:USDT']).toEqual({
      modelled: true,
      how: 'found',
      file,
      rates: 89,
    });
    const s = r.summary.instances[0]!;
    expect(s.fills.buys).toBeGreaterThan(0);
    expect(s.funding.modelled).toBe(true);
    expect(s.funding.modelled && dec(s.funding.total).isZero()).toBe(false);
    const written = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(written.instances[0].funding).toEqual(s.funding);
  });

  it('says "funding not modelled" in summary.json and report.html for the demo market, never a 0', async () => {
    const out = newDir();
    await runSimulation({
      config: {
        config: simConfig(
          {
            symbol: DOGE,
            levels: { source: 'manual', prices: ['0.19', '0.195', '0.2', '0.205', '0.21'] },
            base_amount_per_grid: '100',
          },
          { demo_market: { days: 0.1 } },
        ),
        dir: repoRoot,
      },
      store: 'memory',
      outDir: out,
    });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const notModelled = {
      modelled: false,
      note: 'funding not modelled: the demo market has no funding rates',
    };
    expect(summary.instances[0].funding).toEqual(notModelled);
    expect(summary.market.funding[DOGE]).toEqual(notModelled);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      '["funding","funding not modelled: the demo market has no funding rates"]',
    );
  });
});
