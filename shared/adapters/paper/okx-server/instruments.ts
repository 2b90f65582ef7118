/**
 * OKX v5 perpetual swaps on the paper engine: which instruments exist, how big a contract is, and the
 * engine market each one trades on.
 *
 * The shipped payload (`okx-swap-instruments.json`) is a real `GET /api/v5/public/instruments?instType=SWAP`
 * answer (BTC-USD-SWAP, ETH-USDT-SWAP, BTC-USDT-SWAP), as published with the OKX adapter test data of
 * NautilusTrader (crates/adapters/okx/test_data/http_get_instruments_swap.json), unchanged. Only linear
 * (USDT / USDC settled) swaps are hosted; the inverse one is listed by the server but not tradeable here.
 *
 * The paper engine counts in coins under Binance-shaped filters; OKX counts in contracts of `ctVal` coins.
 * Each linear swap becomes one engine market named `<ctValCcy><settleCcy>` (ETH-USDT-SWAP → ETHUSDT, so the
 * real Binance candle files of `../shared/data` replay on it) whose filters are the instrument's in coins:
 * tick = `tickSz`, step = `lotSz × ctVal`, minimum = `minSz × ctVal`, no minimum notional (OKX has none).
 *
 * Entry points: `OKX_SWAP_INSTRUMENTS` (the payload), `parseOkxInstruments`, `OkxInstruments` (lookups and
 * contract ↔ coin conversion), `okxEngineExchangeInfo` (the engine's markets).
 */
import { type Decimal, dec } from '../../../domain/money.js';
import payload from './okx-swap-instruments.json' with { type: 'json' };

export const OKX_SWAP_INSTRUMENTS: unknown = payload;

export interface OkxInstrument {
  readonly instId: string;
  readonly instFamily: string;
  /** The paper engine's market (`ETHUSDT`). */
  readonly engineSymbol: string;
  readonly ctVal: Decimal;
  readonly ctValCcy: string;
  readonly settleCcy: string;
  readonly tickSz: Decimal;
  readonly lotSz: Decimal;
  readonly minSz: Decimal;
  readonly maxLmtSz: Decimal;
  readonly maxMktSz: Decimal;
  readonly lever: number;
  /** The row as OKX sent it (served back unchanged). */
  readonly raw: Readonly<Record<string, unknown>>;
}

function text(row: Record<string, unknown>, key: string): string {
  const v = row[key];
  if (typeof v !== 'string' || v === '')
    throw new Error(`OKX instrument ${String(row.instId)}: ${key} must be a non-empty string`);
  return v;
}

/** The linear, live swaps of an instruments payload (`{ code, msg, data: [...] }` or the `data` list). */
export function parseOkxInstruments(body: unknown): OkxInstrument[] {
  const data = Array.isArray(body) ? body : (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error('an OKX instruments payload needs a data list');
  const out: OkxInstrument[] = [];
  for (const item of data) {
    const row = item as Record<string, unknown>;
    if (row.instType !== 'SWAP' || row.ctType !== 'linear' || row.state !== 'live') continue;
    const ctVal = dec(text(row, 'ctVal'), 'ctVal').times(dec(text(row, 'ctMult'), 'ctMult'));
    const ctValCcy = text(row, 'ctValCcy');
    const settleCcy = text(row, 'settleCcy');
    out.push({
      instId: text(row, 'instId'),
      instFamily: text(row, 'instFamily'),
      engineSymbol: `${ctValCcy}${settleCcy}`,
      ctVal,
      ctValCcy,
      settleCcy,
      tickSz: dec(text(row, 'tickSz'), 'tickSz'),
      lotSz: dec(text(row, 'lotSz'), 'lotSz'),
      minSz: dec(text(row, 'minSz'), 'minSz'),
      maxLmtSz: dec(text(row, 'maxLmtSz'), 'maxLmtSz'),
      maxMktSz: dec(text(row, 'maxMktSz'), 'maxMktSz'),
      lever: Number(text(row, 'lever')),
      raw: row,
    });
  }
  return out;
}

export class OkxInstruments {
  private readonly byInstId = new Map<string, OkxInstrument>();
  private readonly byEngine = new Map<string, OkxInstrument>();
  /** Every row of the payload, hosted or not, for `GET /public/instruments`. */
  readonly rows: readonly unknown[];

  constructor(body: unknown = OKX_SWAP_INSTRUMENTS) {
    const data = (body as { data?: unknown } | null)?.data;
    this.rows = Array.isArray(data) ? data : [];
    for (const i of parseOkxInstruments(body)) {
      this.byInstId.set(i.instId, i);
      this.byEngine.set(i.engineSymbol, i);
    }
  }

  all(): OkxInstrument[] {
    return [...this.byInstId.values()];
  }

  /** The instrument of an OKX id, or undefined when this venue does not host it. */
  find(instId: string): OkxInstrument | undefined {
    return this.byInstId.get(instId);
  }

  ofEngine(engineSymbol: string): OkxInstrument {
    const i = this.byEngine.get(engineSymbol);
    if (!i) throw new Error(`no OKX instrument trades on engine market ${engineSymbol}`);
    return i;
  }

  /** Contracts (as sent) → coins for the engine. */
  coins(inst: OkxInstrument, contracts: Decimal): Decimal {
    return contracts.times(inst.ctVal);
  }

  /** Coins (engine) → contracts, as OKX prints them. */
  contracts(inst: OkxInstrument, coins: Decimal): string {
    return coins.dividedBy(inst.ctVal).toFixed();
  }
}

function decimals(d: Decimal): number {
  const t = d.toFixed();
  const dot = t.indexOf('.');
  return dot < 0 ? 0 : t.length - dot - 1;
}

/** A Binance-shaped exchangeInfo body holding one engine market per hosted OKX swap, in coins. */
export function okxEngineExchangeInfo(instruments: OkxInstruments): {
  serverTime: number;
  symbols: Record<string, unknown>[];
} {
  return {
    serverTime: 0,
    symbols: instruments.all().map((i) => {
      const step = i.lotSz.times(i.ctVal);
      return {
        symbol: i.engineSymbol,
        pair: i.engineSymbol,
        contractType: 'PERPETUAL',
        status: 'TRADING',
        baseAsset: i.ctValCcy,
        quoteAsset: i.settleCcy,
        marginAsset: i.settleCcy,
        pricePrecision: decimals(i.tickSz),
        quantityPrecision: decimals(step),
        // OKX publishes no liquidation fee per instrument; Binance's usual USDT-M rate stands in.
        liquidationFee: '0.020000',
        filters: [
          {
            filterType: 'PRICE_FILTER',
            tickSize: i.tickSz.toFixed(),
            minPrice: i.tickSz.toFixed(),
            maxPrice: i.tickSz.times(100_000_000_000).toFixed(),
          },
          {
            filterType: 'LOT_SIZE',
            stepSize: step.toFixed(),
            minQty: i.minSz.times(i.ctVal).toFixed(),
            maxQty: i.maxLmtSz.times(i.ctVal).toFixed(),
          },
          {
            filterType: 'MARKET_LOT_SIZE',
            stepSize: step.toFixed(),
            minQty: i.minSz.times(i.ctVal).toFixed(),
            maxQty: i.maxMktSz.times(i.ctVal).toFixed(),
          },
          { filterType: 'MAX_NUM_ORDERS', limit: 500 },
          { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 100 },
          { filterType: 'MIN_NOTIONAL', notional: '0' },
          // OKX's price limit band; the engine applies Binance's PERCENT_PRICE filter with these bounds.
          {
            filterType: 'PERCENT_PRICE',
            multiplierUp: '1.0500',
            multiplierDown: '0.9500',
            multiplierDecimal: '4',
          },
        ],
      };
    }),
  };
}
