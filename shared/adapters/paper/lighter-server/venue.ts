/**
 * What the Lighter routes share beyond the engine: the hosted markets and accounts, the order indexes, and
 * what a tx said about an order that the engine does not keep (its Lighter type, time in force, worst
 * price, expiry, nonce, client order index).
 *
 * Order indexes (Lighter: a client order index is 1 … 2^48−1, an order index above that):
 *  - a plain engine order is `orderId + 2^48`;
 *  - a post-only order the venue cancelled at once (the engine refuses those; Lighter accepts and cancels
 *    them, status `canceled-post-only`) is `2^48 + 2^47 + n`;
 *  - a conditional order (engine algo order) is `algoId + 2^49`; when it triggers, its market order and
 *    trades keep that index, as a Lighter stop keeps its own.
 * Engine ids stay far below 2^47, so every index is an exact double (< 2^53).
 * Client order indexes ride in the engine's client id as `c<index>`.
 *
 * Entry points: `LighterVenue`, `clientIdOf`, `clientIndexOf`, `decodeIndex`, `txHashOf`, the `*_BASE`
 * constants, `COUNTERPARTY_ACCOUNT`.
 */
import { createHash } from 'node:crypto';
import { type Decimal, dec } from '../../../domain/money.js';
import type { PaperExchange } from '../engine.js';
import type { BinanceSide } from '../types.js';
import type { LighterAccounts } from './accounts.js';
import type { LighterMarket, LighterMarkets } from './markets.js';

export const MAX_CLIENT_ORDER_INDEX = 2 ** 48 - 1;
export const ORDER_INDEX_BASE = 2 ** 48;
export const AUTO_CANCEL_BASE = 2 ** 48 + 2 ** 47;
export const STOP_INDEX_BASE = 2 ** 49;
const STOP_INDEX_END = 2 ** 50;

/** The other side of every fill: the engine trades against the market, Lighter rows name an account. */
export const COUNTERPARTY_ACCOUNT = 281474976710654;

export type LighterOrderType = 'limit' | 'market' | 'stop-loss' | 'take-profit' | 'liquidation';
export type LighterTimeInForce = 'immediate-or-cancel' | 'good-till-time' | 'post-only';

/** What a CreateOrder tx said that the engine does not keep. */
export interface OrderMeta {
  readonly clientOrderIndex: number;
  readonly type: LighterOrderType;
  readonly timeInForce: LighterTimeInForce;
  /** The tx's `Price`: a limit price, or the worst price of a market or stop order. */
  readonly price: Decimal;
  readonly orderExpiry: number;
  readonly nonce: number;
}

/** A post-only order Lighter would have accepted and cancelled because it would have taken liquidity. */
export interface AutoCancelledOrder extends OrderMeta {
  readonly orderIndex: number;
  readonly account: string;
  readonly marketId: number;
  readonly side: BinanceSide;
  readonly quantity: Decimal;
  readonly reduceOnly: boolean;
  readonly time: number;
}

export type DecodedIndex =
  | { readonly kind: 'client'; readonly clientOrderIndex: number }
  | { readonly kind: 'order'; readonly orderId: number }
  | { readonly kind: 'auto'; readonly orderIndex: number }
  | { readonly kind: 'stop'; readonly algoId: number }
  | { readonly kind: 'none' };

/** A Lighter-style tx hash (40 bytes, hex) derived from `text`. */
export function txHashOf(text: string): string {
  return createHash('sha512').update(text).digest('hex').slice(0, 80);
}

export function clientIdOf(clientOrderIndex: number): string {
  return `c${clientOrderIndex}`;
}

/** The client order index in an engine client id (0 when it is not one of ours). */
export function clientIndexOf(clientId: string): number {
  const m = /^c(\d{1,15})$/.exec(clientId);
  return m ? Number(m[1]) : 0;
}

/** What an `Index` of a CancelOrder tx (or an `order_index`) names. */
export function decodeIndex(index: number): DecodedIndex {
  if (index >= 1 && index <= MAX_CLIENT_ORDER_INDEX) return { kind: 'client', clientOrderIndex: index };
  if (index >= STOP_INDEX_BASE && index < STOP_INDEX_END)
    return { kind: 'stop', algoId: index - STOP_INDEX_BASE };
  if (index >= AUTO_CANCEL_BASE && index < STOP_INDEX_BASE) return { kind: 'auto', orderIndex: index };
  if (index >= ORDER_INDEX_BASE && index < AUTO_CANCEL_BASE)
    return { kind: 'order', orderId: index - ORDER_INDEX_BASE };
  return { kind: 'none' };
}

export class LighterVenue {
  private readonly meta = new Map<string, OrderMeta>();
  private readonly cancelled: AutoCancelledOrder[] = [];
  private readonly imfs = new Map<string, number>();

  constructor(
    readonly engine: PaperExchange,
    readonly markets: LighterMarkets,
    readonly accounts: LighterAccounts,
  ) {}

  noteOrder(account: string, orderId: number, meta: OrderMeta): void {
    this.meta.set(`${account}|o${orderId}`, meta);
  }

  orderMeta(account: string, orderId: number): OrderMeta | undefined {
    return this.meta.get(`${account}|o${orderId}`);
  }

  noteStop(account: string, algoId: number, meta: OrderMeta): void {
    this.meta.set(`${account}|a${algoId}`, meta);
  }

  stopMeta(account: string, algoId: number): OrderMeta | undefined {
    return this.meta.get(`${account}|a${algoId}`);
  }

  /** Records a post-only order accepted and cancelled at once; returns it. */
  autoCancel(fields: Omit<AutoCancelledOrder, 'orderIndex'>): AutoCancelledOrder {
    const row = { ...fields, orderIndex: AUTO_CANCEL_BASE + this.cancelled.length + 1 };
    this.cancelled.push(row);
    return row;
  }

  autoCancelled(account: string, marketId?: number): AutoCancelledOrder[] {
    return this.cancelled.filter(
      (c) => c.account === account && (marketId === undefined || c.marketId === marketId),
    );
  }

  /** Remembers the initial margin fraction an UpdateLeverage tx set (hundredths of a percent). */
  noteImf(account: string, marketId: number, imf: number): void {
    this.imfs.set(`${account}|${marketId}`, imf);
  }

  hasImf(account: string, marketId: number): boolean {
    return this.imfs.has(`${account}|${marketId}`);
  }

  /** `initial_margin_fraction` as Lighter prints it (percent, 2 decimals): the IMF sent, or 100 / leverage. */
  imfText(account: string, m: LighterMarket): string {
    const leverage = this.engine.leverage(account, m.engineSymbol);
    const sent = this.imfs.get(`${account}|${m.marketId}`);
    if (sent !== undefined && Math.round(10_000 / sent) === leverage)
      return dec(sent).dividedBy(100).toFixed(2);
    return dec(100).dividedBy(leverage).toFixed(2);
  }
}
