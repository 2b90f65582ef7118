/**
 * `gridbot run --paper`: paper trading on live prices. The "live venue" is our Binance protocol server on
 * a paper engine of its own, whose public streams (aggTrade, markPrice) carry the trades this test makes;
 * (OKX likewise) `gridbot run --paper` reads its rules and candles over REST, follows its streams, and trades a local
 * paper venue of its own through the real ccxt client, with paper keys. Nothing reaches the live venue's
 * accounts; the paper venue and the grid state survive a restart.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../shared/adapters/clock/system-clock.js';
import { PaperExchange } from '../../shared/adapters/paper/engine.js';
import { loadExchangeInfo } from '../../shared/adapters/paper/index.js';
import { OkxInstruments, okxEngineExchangeInfo } from '../../shared/adapters/paper/okx-server/instruments.js';
import { dec } from '../../shared/domain/money.js';
import { EXCHANGE_INFO_SUBSET, fixturesDir } from '../support/binance/fixtures.js';
import {
  ACCOUNTS,
  type PaperVenue,
  startPaperVenue,
  VENUES,
  type VenueServer,
} from '../support/binance/paper-venue.js';
import { cli } from '../support/cli.js';
import { GRID_MARKETS } from '../support/e2e/markets.js';
import { tempDir } from '../support/sim.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

const account = ACCOUNTS[0];

describe.each(VENUES)('gridbot run --paper on %s', (venueId) => {
  const m = GRID_MARKETS[venueId];
  const dir = tempDir('gridbot-paper-');
  let live: PaperVenue<VenueServer>;
  let ticker: NodeJS.Timeout | undefined;
  let price = m.px('0.185');

  beforeAll(async () => {
    live = await startPaperVenue({ venue: venueId });
    live.moveTo(m.engineSymbol, price);
    // The live market: a trade every 100 ms at the current price, from some other trader.
    ticker = setInterval(() => {
      live.engine.applyTrade(m.engineSymbol, {
        price: dec(price),
        qty: dec(m.qty('1000')),
        buyerIsMaker: false,
      });
    }, 100);
    writeFileSync(
      join(dir.path, 'deploy.json'),
      JSON.stringify({
        accounts: [{ id: account.id, exchange: venueId }],
        instances: [
          klgConfigInput({
            account: account.id,
            symbol: m.symbol,
            levels: {
              source: 'manual',
              prices: ['0.15', '0.16', '0.17', '0.18', '0.19', '0.2', '0.21', '0.22'].map(m.px),
            },
            base_amount_per_grid: m.qty('100'),
          }),
        ],
      }),
    );
  });
  afterAll(async () => {
    clearInterval(ticker);
    await live?.stop();
    dir.remove();
  });

  const env = () => ({ GRIDBOT_PAPER_MARKET_URLS: JSON.stringify({ [venueId]: live.server.ccxtApiUrls() }) });
  const args = (seconds: string) => [
    'run',
    '--paper',
    '--config',
    join(dir.path, 'deploy.json'),
    '--data-dir',
    join(dir.path, 'paper'),
    '--env-file',
    join(dir.path, 'none.env'),
    '--for',
    seconds,
  ];

  /** The paper venue as its snapshot left it. */
  function paperVenue(): PaperExchange {
    const engine = new PaperExchange({
      clock: new SystemClock(),
      exchangeInfo:
        venueId === 'okx'
          ? okxEngineExchangeInfo(new OkxInstruments())
          : loadExchangeInfo(join(fixturesDir, EXCHANGE_INFO_SUBSET)),
      symbols: [m.engineSymbol],
    });
    engine.restore(JSON.parse(readFileSync(join(dir.path, 'paper', `paper-${venueId}.json`), 'utf8')));
    return engine;
  }
  const buysOf = (engine: PaperExchange) =>
    engine
      .openOrders(account.id, m.engineSymbol)
      .filter((o) => o.side === 'BUY')
      .map((o) => o.price.toFixed())
      .sort();

  it('lays the grid out on a paper venue driven by the live trades, with no key and nothing on the live account', async () => {
    const r = await cli(args('3'), { env: env() });
    expect(r.err).toContain(`PAPER trading on live prices (${venueId})`);
    expect(r.err).toContain('1 instance(s) live');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir.path, 'paper', `paper-${venueId}.json`))).toBe(true);
    expect(buysOf(paperVenue())).toEqual(['0.15', '0.16', '0.17', '0.18'].map(m.px));
    // The live venue's account saw nothing.
    expect(live.engine.allOrders(account.id, m.engineSymbol)).toEqual([]);
  }, 60_000);

  it('restarts where it stopped, and fills a level when the live price trades through it', async () => {
    price = m.px('0.1795');
    const r = await cli(args('4'), { env: env() });
    expect(r.code).toBe(0);
    const engine = paperVenue();
    // The 0.18 buy filled on the live trades at 0.1795 (a resting limit fills at its own price).
    const fills = engine.userTrades(account.id, m.engineSymbol);
    expect(fills.map((t) => [t.side, t.price.toFixed(), t.qty.toFixed()])).toEqual([
      ['BUY', m.px('0.18'), m.qty('100')],
    ]);
    // The fill as a line on stdout, once, with the holdings after it.
    const fillLines = r.out.split('\n').filter((l) => l.includes('  FILL  BUY'));
    expect(fillLines).toHaveLength(1);
    expect(fillLines[0]).toContain(`FILL  BUY ${m.qty('100')} @ ${m.px('0.18')}`);
    const long = engine.positions(account.id, m.engineSymbol).find((p) => p.positionSide === 'LONG');
    expect(long?.positionAmt.toFixed()).toBe(m.qty('100'));
    // The other levels still rest, each once: the restart adopted them instead of placing them again.
    expect(buysOf(engine)).toEqual(['0.15', '0.16', '0.17'].map(m.px));
    expect(engine.allOrders(account.id, m.engineSymbol).filter((o) => o.side === 'BUY')).toHaveLength(4);
    expect(live.engine.allOrders(account.id, m.engineSymbol)).toEqual([]);
  }, 60_000);

  // An `exchange: paper` account papers on Binance USD-M: only that live venue can feed it (no skipped test).
  if (venueId === 'binanceusdm')
    it('papers an `exchange: paper` account on Binance USD-M without --paper', async () => {
      const config = join(dir.path, 'deploy-paper.json');
      writeFileSync(
        config,
        JSON.stringify({
          accounts: [{ id: account.id, exchange: 'paper' }],
          instances: [klgConfigInput({ account: account.id })],
        }),
      );
      const data = join(dir.path, 'paper-account');
      const r = await cli(['run', '--config', config, '--data-dir', data, '--for', '2'], { env: env() });
      expect(r.err).toContain(`PAPER trading on live prices (binanceusdm); paper state in ${data}`);
      expect(r.code).toBe(0);
      expect(existsSync(join(data, 'paper-binanceusdm.json'))).toBe(true);
    }, 60_000);

  it('refuses a bad --balance in one line', async () => {
    const r = await cli([...args('1'), '--balance', 'lots'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.err).toBe('gridbot: --balance lots: give an amount > 0, e.g. --balance 10000\n');
  });
});
