/**
 * Public Lighter routes on the paper engine: `/` (status), `orderBookDetails`, `orderBookOrders`, `candles`,
 * `assetDetails`, `account`, `accountsByL1Address`, `nextNonce`. ccxt reads balances and positions through
 * the public `account` route.
 *
 * Simplified: `orderBookOrders` shows the engine's synthetic top of book, one level a side (the engine
 * keeps no depth; its top-of-book sizes are 0), owned by the counterparty account. `candles` serves the
 * engine's 1m klines aggregated to 1m … 1d (`1w` is refused); `i` is the bucket number.
 *
 * Entry point: `publicRoutes(venue, options)`.
 */
import type { Decimal } from '../../../domain/money.js';
import { lighterErrors } from './api-error.js';
import { num } from './json.js';
import { ALL_MARKETS, type LighterMarket, priceText, sizeText } from './markets.js';
import { intParam, type LighterRoute } from './router.js';
import { COUNTERPARTY_ACCOUNT, type LighterVenue } from './venue.js';
import { accountRowOf, marketRowOf } from './views.js';

const RESOLUTIONS: Readonly<Record<string, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
};

export function publicRoutes(venue: LighterVenue, options: { defaultLeverage: number }): LighterRoute[] {
  const engine = venue.engine;
  const marketOf = (q: URLSearchParams, required: boolean): LighterMarket | undefined => {
    const id = intParam(q, 'market_id', { required, max: 65_535 });
    return id === undefined || (!required && id === ALL_MARKETS) ? undefined : venue.markets.hosted(id);
  };

  return [
    {
      method: 'GET',
      path: '/',
      handle: (ctx) => ({ status: 200, network_id: 1, timestamp: Math.floor(ctx.now / 1000) }),
    },
    {
      method: 'GET',
      path: '/api/v1/orderBookDetails',
      handle: (ctx) => {
        const one = marketOf(ctx.query, false);
        const markets = one ? [one] : venue.markets.all();
        return {
          code: 200,
          order_book_details: markets.map((m) => marketRowOf(venue, m, options.defaultLeverage, ctx.now)),
          spot_order_book_details: [],
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/orderBookOrders',
      handle: (ctx) => {
        const m = marketOf(ctx.query, true)!;
        intParam(ctx.query, 'limit', { min: 1, max: 250 });
        const top = engine.bookTop(m.engineSymbol);
        const level = (price: Decimal, qty: Decimal, time: number) => ({
          order_index: 0,
          order_id: '0',
          owner_account_index: COUNTERPARTY_ACCOUNT,
          initial_base_amount: sizeText(m, qty),
          remaining_base_amount: sizeText(m, qty),
          price: priceText(m, price),
          order_expiry: 0,
          transaction_time: time * 1000,
        });
        const asks = top ? [level(top.ask, top.askQty, top.time)] : [];
        const bids = top ? [level(top.bid, top.bidQty, top.time)] : [];
        return { code: 200, total_asks: asks.length, asks, total_bids: bids.length, bids };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/candles',
      handle: (ctx) => {
        const m = marketOf(ctx.query, true)!;
        const resolution = ctx.query.get('resolution') ?? '';
        const ms = RESOLUTIONS[resolution];
        if (ms === undefined) throw lighterErrors.param('resolution');
        const start = intParam(ctx.query, 'start_timestamp', { required: true })!;
        const end = intParam(ctx.query, 'end_timestamp', { required: true })!;
        const countBack = intParam(ctx.query, 'count_back') ?? 0;
        let rows = engine
          .klines(m.engineSymbol, resolution, { startTime: start, endTime: end, limit: 1500 })
          .filter((k) => k.openTime >= start && k.openTime <= end);
        if (countBack > 0) rows = rows.slice(-countBack);
        return {
          code: 200,
          r: resolution,
          c: rows.map((k) => ({
            t: k.openTime,
            o: num(k.open),
            h: num(k.high),
            l: num(k.low),
            c: num(k.close),
            v: num(k.volume),
            V: num(k.quoteVolume),
            i: Math.floor(k.openTime / ms),
          })),
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/assetDetails',
      handle: () => ({
        code: 200,
        asset_details: [
          {
            asset_id: 3,
            symbol: 'USDC',
            l1_decimals: 6,
            decimals: 6,
            min_transfer_amount: '1.000000',
            min_withdrawal_amount: '1.000000',
            margin_mode: 'enabled',
            index_price: '1.000000',
            l1_address: '0x0000000000000000000000000000000000000000',
          },
        ],
      }),
    },
    {
      method: 'GET',
      path: '/api/v1/account',
      handle: (ctx) => {
        const by = ctx.query.get('by');
        const value = ctx.query.get('value') ?? '';
        let a: ReturnType<typeof venue.accounts.byIndex>;
        if (by === 'index') {
          if (!/^\d{1,16}$/.test(value)) throw lighterErrors.param('value');
          a = venue.accounts.byIndex(Number(value));
        } else if (by === 'l1_address') a = venue.accounts.byL1Address(value);
        else throw lighterErrors.param('by');
        if (!a) throw lighterErrors.accountNotFound();
        return { code: 200, total: 1, accounts: [accountRowOf(venue, a, ctx.now)] };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/accountsByL1Address',
      handle: (ctx) => {
        const address = (ctx.query.get('l1_address') ?? '').toLowerCase();
        const owned = venue.accounts.all().filter((a) => a.l1Address === address);
        if (owned.length === 0) throw lighterErrors.accountNotFound();
        return {
          code: 200,
          l1_address: address,
          sub_accounts: owned.map((a) =>
            Object.fromEntries(
              Object.entries(accountRowOf(venue, a, ctx.now)).filter(
                ([k]) => !['positions', 'assets', 'shares'].includes(k),
              ),
            ),
          ),
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/nextNonce',
      handle: (ctx) => {
        const accountIndex = intParam(ctx.query, 'account_index', { required: true })!;
        const apiKeyIndex = intParam(ctx.query, 'api_key_index', { required: true, max: 255 })!;
        const a = venue.accounts.keyed(accountIndex, apiKeyIndex);
        return { code: 200, nonce: venue.accounts.nextNonce(a, apiKeyIndex) };
      },
    },
  ];
}
