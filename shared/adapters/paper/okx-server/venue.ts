/**
 * What the OKX routes and pushes share about the paper engine: instrument lookups, the extras an order
 * row needs (leverage, fees so far, the stop that placed it), and the post-only orders OKX accepted and
 * cancelled at once — OKX takes a post-only order that would take liquidity and cancels it with
 * `cancelSource` 31, where the engine (like Binance) refuses it; the venue keeps those rows itself so they
 * can be queried like any other order.
 */
import { type Decimal, dec, ZERO } from '../../../domain/money.js';
import type { PaperExchange } from '../engine.js';
import { PaperApiError } from '../errors.js';
import type { OrderView, TradeView } from '../types.js';
import { okxErrors } from './api-error.js';
import { type OrderExtras, orderRow } from './format.js';
import type { OkxInstrument, OkxInstruments } from './instruments.js';

type Row = Record<string, unknown>;

export const POST_ONLY_CANCEL = { code: '31', reason: 'POST_ONLY would take liquidity' } as const;

export class OkxVenueState {
  /** Post-only orders accepted and cancelled by the venue, per account, by ordId and by clOrdId. */
  private readonly autoCancelled = new Map<string, Map<string, Row>>();
  private nextOrdId = 9_000_000_000_000_000n;
  private readonly fees = new Map<string, Decimal>();
  private readonly algoIds = new Map<string, number>();
  /** Post-only orders accepted and cancelled because they would have taken liquidity. */
  autoCancelCount = 0;

  constructor(
    readonly engine: PaperExchange,
    readonly instruments: OkxInstruments,
  ) {}

  /** The hosted instrument of an `instId`, or OKX's 51001. */
  inst(instId: string | undefined): OkxInstrument {
    const i = instId ? this.instruments.find(instId) : undefined;
    if (!i) throw okxErrors.instrument();
    return i;
  }

  /** The hosted instrument a query names by `instId` (51001 if unknown), or undefined when it names none. */
  optInst(query: URLSearchParams): OkxInstrument | undefined {
    const id = query.get('instId');
    return id ? this.inst(id) : undefined;
  }

  /** Contracts as sent → coins; a malformed or non-positive size is OKX's `Parameter sz error`. */
  coins(inst: OkxInstrument, text: unknown, name = 'sz'): Decimal {
    if (typeof text !== 'string' || !/^\d{1,20}(\.\d{1,20})?$/.test(text)) throw okxErrors.param(name);
    const v = dec(text);
    if (!v.greaterThan(0)) throw okxErrors.param(name);
    return v.times(inst.ctVal);
  }

  price(text: unknown, name = 'px'): Decimal {
    if (typeof text !== 'string' || !/^\d{1,20}(\.\d{1,20})?$/.test(text)) throw okxErrors.param(name);
    return dec(text);
  }

  /** The extras of an order row answered over REST (fees from the account's trade history). */
  extras(account: string, o: OrderView): OrderExtras {
    const trades = this.engine
      .userTrades(account, o.symbol, { startTime: o.time, limit: 1000 })
      .filter((t) => t.orderId === o.orderId);
    return {
      lever: this.engine.leverage(account, o.symbol),
      feePaid: trades.reduce((s, t) => s.plus(t.commission), ZERO),
      lastTrade: trades[trades.length - 1],
      algo: this.algoOf(account, o),
    };
  }

  /**
   * The extras of an order row pushed from an engine event: nothing is read back from the engine (its
   * queries answer to injected faults, and a push must not), fees are summed from the events seen.
   */
  pushExtras(account: string, o: OrderView, trade: TradeView | undefined): OrderExtras {
    const key = `${account}|${o.orderId}`;
    const fee = (this.fees.get(key) ?? ZERO).plus(trade?.commission ?? ZERO);
    if (trade) this.fees.set(key, fee);
    if (o.status === 'FILLED' || o.status === 'CANCELED' || o.status === 'EXPIRED') this.fees.delete(key);
    return {
      lever: this.engine.leverage(account, o.symbol),
      feePaid: fee,
      lastTrade: trade,
      algo: this.algoOf(account, o),
    };
  }

  /** Remembers a stop's exchange id (from its events) so its child order can name it. */
  noteAlgo(account: string, clientAlgoId: string, algoId: number): void {
    this.algoIds.set(`${account}|${clientAlgoId}`, algoId);
  }

  /** A stop's child order (the engine names it after the stop's client id). */
  private algoOf(account: string, o: OrderView): OrderExtras['algo'] {
    if (o.origType !== 'STOP_MARKET' && o.origType !== 'TAKE_PROFIT_MARKET') return undefined;
    return { algoId: this.algoIds.get(`${account}|${o.clientOrderId}`) ?? 0, algoClOrdId: o.clientOrderId };
  }

  orderRow(account: string, o: OrderView): Row {
    return orderRow(o, this.instruments.ofEngine(o.symbol), this.extras(account, o));
  }

  /** Records a post-only order OKX would have accepted and cancelled; returns its row. */
  autoCancel(
    account: string,
    inst: OkxInstrument,
    req: { side: string; posSide: string; sz: string; px: string; clOrdId: string },
    now: number,
  ): Row {
    const ordId = String(this.nextOrdId++);
    this.autoCancelCount += 1;
    const row: Row = {
      instType: 'SWAP',
      instId: inst.instId,
      ordId,
      clOrdId: req.clOrdId,
      algoClOrdId: '',
      algoId: '',
      tag: '',
      px: req.px,
      sz: req.sz,
      ordType: 'post_only',
      side: req.side,
      posSide: req.posSide,
      tdMode: 'cross',
      accFillSz: '0',
      fillPx: '',
      tradeId: '',
      fillSz: '0',
      fillTime: '',
      avgPx: '',
      state: 'canceled',
      lever: String(this.engine.leverage(account, inst.engineSymbol)),
      feeCcy: inst.settleCcy,
      fee: '0',
      reduceOnly: 'false',
      category: 'normal',
      cancelSource: POST_ONLY_CANCEL.code,
      cancelSourceReason: POST_ONLY_CANCEL.reason,
      uTime: String(now),
      cTime: String(now),
    };
    let rows = this.autoCancelled.get(account);
    if (!rows) {
      rows = new Map();
      this.autoCancelled.set(account, rows);
    }
    rows.set(`o:${ordId}`, row);
    if (req.clOrdId) rows.set(`c:${req.clOrdId}`, row);
    return row;
  }

  cancelledRow(account: string, ref: { ordId?: string; clOrdId?: string }): Row | undefined {
    const rows = this.autoCancelled.get(account);
    if (!rows) return undefined;
    return ref.ordId ? rows.get(`o:${ref.ordId}`) : ref.clOrdId ? rows.get(`c:${ref.clOrdId}`) : undefined;
  }

  /** The engine reference of an OKX `ordId` / `clOrdId` (`ordId` wins, as on OKX). */
  orderRef(ref: { ordId?: string; clOrdId?: string }): { orderId?: number; clientOrderId?: string } {
    if (ref.ordId) {
      if (!/^\d{1,16}$/.test(ref.ordId)) throw new PaperApiError(-2013, 'Order does not exist.');
      return { orderId: Number(ref.ordId) };
    }
    return { clientOrderId: ref.clOrdId };
  }

  /** An engine order by OKX reference, or the engine's own error when it is unknown. */
  order(account: string, inst: OkxInstrument, ref: { ordId?: string; clOrdId?: string }): OrderView {
    return this.engine.order(account, inst.engineSymbol, this.orderRef(ref));
  }
}
