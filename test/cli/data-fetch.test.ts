/** `gridbot data fetch` with the real ccxt client against the Binance protocol server on the paper engine. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { cli } from '../support/cli.js';
import { ohlcv, tempDir } from '../support/sim.js';

const dir = tempDir('gridbot-fetch-');
let venue: PaperVenue;
beforeAll(async () => {
  venue = await startPaperVenue();
}, 60_000);
afterAll(async () => {
  await venue?.stop();
  dir.remove();
});

describe('gridbot data fetch', () => {
  it('writes the candles of the period in the CSV the simulator replays, prices exactly as served', async () => {
    // The venue holds the first hour of the real 2025 BTCUSDT file.
    const source = readFileSync(ohlcv('binance_usdm_BTCUSDT_1m_2025-05-04_2025-06-24.csv'), 'utf8').split(
      '\n',
    );
    const first = Number(source[1]!.split(',')[0]);
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
    expect(r.out).toBe(`30 candles of BTC/USDT:USDT written to ${out}\n`);
    expect(readFileSync(out, 'utf8')).toBe(`${source.slice(0, 31).join('\n')}\n`);
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
