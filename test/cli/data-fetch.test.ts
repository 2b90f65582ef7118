/** `gridbot data fetch` with the real ccxt client against the Binance protocol server on the paper engine. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../../shared/domain/money.js';
import { type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { cli } from '../support/cli.js';
import { ohlcv, tempDir } from '../support/sim.js';

const dir = tempDir('gridbot-fetch-');
let venue: PaperVenue;
// The venue holds the first hour of the real 2025 BTCUSDT file (from 15:33 UTC); Binance's 16:00 funding
// falls inside it, a few ms after the hour as Binance stamps it.
const source = readFileSync(ohlcv('binance_usdm_BTCUSDT_1m_2025-05-04_2025-06-24.csv'), 'utf8').split('\n');
const first = Number(source[1]!.split(',')[0]);
const funding = Date.UTC(2025, 4, 4, 16) + 4;
beforeAll(async () => {
  venue = await startPaperVenue();
  venue.engine.setFundingRates('BTCUSDT', [
    { fundingTime: funding, fundingRate: dec('0.00012345') },
    { fundingTime: funding + 8 * 3_600_000, fundingRate: dec('-0.0001') },
  ]);
  venue.moveTo('BTCUSDT', '95000.0'); // settles the 16:00 rate; the next one is still to come
}, 60_000);
afterAll(async () => {
  await venue?.stop();
  dir.remove();
});

describe('gridbot data fetch', () => {
  it('writes the candles of the period in the CSV the simulator replays, prices exactly as served', async () => {
    const out = join(dir.path, 'btc.csv');
    const r = await cli(
      [
        'data',
        'fetch',
        '--symbol',
        'BTC/USDT:USDT',
        '--from',
        String(first),
        '--to',
        String(first + 30 * 60_000),
        '--out',
        out,
      ],
      { env: { GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()) } },
    );
    expect(r.code).toBe(0);
    const fundingOut = join(dir.path, 'BTCUSDT_funding_2025-05-04_2025-05-04.csv');
    expect(r.out).toBe(
      `30 candles of BTC/USDT:USDT written to ${out}\n1 funding rates of BTC/USDT:USDT written to ${fundingOut}\n`,
    );
    expect(readFileSync(out, 'utf8')).toBe(`${source.slice(0, 31).join('\n')}\n`);
    expect(readFileSync(fundingOut, 'utf8')).toBe(`funding_time_ms,funding_rate\n${funding},0.00012345\n`);
  });

  it('saves the funding next to the candles, where gridbot sim finds it without --funding', async () => {
    const sub = join(dir.path, 'sim');
    const out = join(sub, 'btc.csv');
    const env = { GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()) };
    const period = ['--from', String(first), '--to', String(first + 30 * 60_000)];
    mkdirSync(sub);
    const fetched = await cli(['data', 'fetch', '--symbol', 'BTC/USDT:USDT', ...period, '--out', out], {
      env,
    });
    expect(fetched.code).toBe(0);
    const config = join(sub, 'btc.json');
    writeFileSync(
      config,
      JSON.stringify({
        accounts: [{ id: 'main', exchange: 'binanceusdm' }],
        instances: [
          {
            id: 'btc',
            strategy: 'key_level_grid',
            account: 'main',
            symbol: 'BTC/USDT:USDT',
            levels: { source: 'manual', prices: ['94000', '95000', '96000'] },
            base_amount_per_grid: '0.01',
          },
        ],
      }),
    );
    const sim = await cli(
      [
        'sim',
        '--config',
        config,
        '--candles',
        out,
        '--store',
        'memory',
        '--quiet',
        '--out',
        join(sub, 'out'),
      ],
      { env },
    );
    expect(sim.code).toBe(0);
    const fundingFile = join(sub, 'BTCUSDT_funding_2025-05-04_2025-05-04.csv');
    expect(sim.out).toContain(`funding for BTC/USDT:USDT: ${fundingFile} (found next to the market data)`);
    const summary = JSON.parse(readFileSync(join(sub, 'out', 'summary.json'), 'utf8'));
    expect(summary.market.funding['BTC/USDT:USDT']).toEqual({
      modelled: true,
      how: 'found',
      file: fundingFile,
      rates: 1,
    });
  });

  it('fetches the candles only with --no-funding', async () => {
    const out = join(dir.path, 'candles-only', 'btc.csv');
    mkdirSync(join(dir.path, 'candles-only'));
    const r = await cli(
      [
        'data',
        'fetch',
        '--symbol',
        'BTC/USDT:USDT',
        '--from',
        String(first),
        '--to',
        String(first + 30 * 60_000),
        '--out',
        out,
        '--no-funding',
      ],
      { env: { GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()) } },
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe(`30 candles of BTC/USDT:USDT written to ${out}\n`);
    expect(existsSync(join(dir.path, 'candles-only', 'BTCUSDT_funding_2025-05-04_2025-05-04.csv'))).toBe(
      false,
    );
  });

  it('refuses an unknown exchange, an unknown market or an empty period with exit 1', async () => {
    const env = { GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()) };
    const unknown = await cli(
      ['data', 'fetch', '--symbol', 'BTC/USDT:USDT', '--from', '1', '--to', '2', '--exchange', 'nowhere'],
      { env },
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/--exchange nowhere: not a ccxt exchange id/);
    const empty = await cli(
      [
        'data',
        'fetch',
        '--symbol',
        'BTC/USDT:USDT',
        '--from',
        '2025-01-02T00:00:00Z',
        '--to',
        '2025-01-01T00:00:00Z',
      ],
      { env },
    );
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/--to must be after --from/);
    const market = await cli(['data', 'fetch', '--symbol', 'NOPE/USDT:USDT', '--from', '1', '--to', '2'], {
      env,
    });
    expect(market.code).toBe(1);
    expect(market.err).toBe('gridbot: binanceusdm has no market NOPE/USDT:USDT\n');
  });
});
