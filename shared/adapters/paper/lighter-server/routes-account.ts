/**
 * Private Lighter reads: `accountActiveOrders`, `accountInactiveOrders`, `trades`. Each needs an auth token
 * (`Authorization` header, or the `auth` query parameter) of the account it reads (`account_index`); a
 * missing, malformed, expired or foreign token is a 401 (`accounts.ts`).
 *
 * Paging: `accountInactiveOrders` (newest first) and `trades` (`sort_dir` desc by default) return at most
 * `limit` rows and a `next_cursor` when more follow; the cursor is opaque (`<time>_<id>` of the last row).
 * `trades` takes `from` (ms) as the bound the listing starts at (ccxt sends its `until` there), `market_id`
 * 255 or none for every market, `sort_by` timestamp | trade_id | block_height. Not supported (ignored):
 * `between_timestamps` of `accountInactiveOrders`.
 *
 * Entry point: `accountRoutes(venue)`.
 */
import type { LighterAccount } from './accounts.js';
import { lighterErrors } from './api-error.js';
import { ALL_MARKETS, type LighterMarket } from './markets.js';
import { intParam, type LighterRoute, type LighterRouteContext } from './router.js';
import type { LighterVenue } from './venue.js';
import { activeOrderRows, inactiveOrderRows, type Keyed, tradeRows } from './views.js';

type Row = Record<string, unknown>;

function tokenOf(ctx: LighterRouteContext): string | undefined {
  const h = ctx.headers.authorization;
  if (typeof h === 'string' && h !== '') return h;
  return ctx.query.get('auth') ?? undefined;
}

/** Rows after the cursor (rows are in listing order), at most `limit`, and the cursor of the next page. */
function page(rows: readonly Keyed[], asc: boolean, cursor: string | null, limit: number) {
  let from = 0;
  if (cursor !== null && cursor !== '') {
    const m = /^(\d{1,16})_(\d{1,16})$/.exec(cursor);
    if (!m) throw lighterErrors.param('cursor');
    const [t, id] = [Number(m[1]), Number(m[2])];
    const after = (r: Keyed) =>
      asc ? r.time > t || (r.time === t && r.id > id) : r.time < t || (r.time === t && r.id < id);
    from = rows.findIndex(after);
    if (from < 0) from = rows.length;
  }
  const slice = rows.slice(from, from + limit);
  const last = slice[slice.length - 1];
  const more = from + limit < rows.length;
  return {
    rows: slice.map((r) => r.row),
    next: more && last ? `${last.time}_${last.id}` : undefined,
  };
}

export function accountRoutes(venue: LighterVenue): LighterRoute[] {
  const authed = (ctx: LighterRouteContext): LighterAccount => {
    const index = intParam(ctx.query, 'account_index', { required: true })!;
    return venue.accounts.authenticate(tokenOf(ctx), index, ctx.now);
  };
  const marketsOf = (ctx: LighterRouteContext): LighterMarket[] => {
    const id = intParam(ctx.query, 'market_id', { max: 65_535 });
    return id === undefined || id === ALL_MARKETS ? venue.markets.all() : [venue.markets.hosted(id)];
  };

  return [
    {
      method: 'GET',
      path: '/api/v1/accountActiveOrders',
      handle: (ctx) => {
        const a = authed(ctx);
        const id = intParam(ctx.query, 'market_id', { required: true, max: 65_535 })!;
        return { code: 200, orders: activeOrderRows(venue, a, venue.markets.hosted(id)) };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/accountInactiveOrders',
      handle: (ctx) => {
        const a = authed(ctx);
        const limit = intParam(ctx.query, 'limit', { required: true, min: 1, max: 100 })!;
        const askFilter = intParam(ctx.query, 'ask_filter', { min: -1, max: 1 }) ?? -1;
        const rows = inactiveOrderRows(venue, a, marketsOf(ctx)).filter(
          (r) => askFilter === -1 || r.row.is_ask === (askFilter === 1),
        );
        const p = page(rows, false, ctx.query.get('cursor'), limit);
        const body: Row = { code: 200, orders: p.rows };
        if (p.next) body.next_cursor = p.next;
        return body;
      },
    },
    {
      method: 'GET',
      path: '/api/v1/trades',
      handle: (ctx) => {
        const a = authed(ctx);
        const limit = intParam(ctx.query, 'limit', { min: 1, max: 100 }) ?? 100;
        const sortBy = ctx.query.get('sort_by') ?? 'timestamp';
        if (!['timestamp', 'trade_id', 'block_height'].includes(sortBy)) throw lighterErrors.param('sort_by');
        const dir = ctx.query.get('sort_dir') ?? 'desc';
        if (dir !== 'asc' && dir !== 'desc') throw lighterErrors.param('sort_dir');
        const asc = dir === 'asc';
        const from = intParam(ctx.query, 'from');
        const window = from === undefined ? {} : asc ? { startTime: from } : { endTime: from };
        let rows = tradeRows(venue, a, marketsOf(ctx), window);
        if (sortBy === 'trade_id') rows = rows.map((r) => ({ ...r, time: 0 })).sort((x, y) => y.id - x.id);
        if (asc) rows = [...rows].reverse();
        const p = page(rows, asc, ctx.query.get('cursor'), limit);
        const body: Row = { code: 200, trades: p.rows };
        if (p.next) body.next_cursor = p.next;
        return body;
      },
    },
  ];
}
