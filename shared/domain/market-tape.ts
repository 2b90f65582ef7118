/**
 * What a strategy deciding on market data knows of one symbol's market: the book top, the last two trades,
 * the trades of a recent window, and the mark price, each stamped with when it arrived (staleness is judged
 * on arrival, as the closer's seed does: a quiet venue and a dead socket look the same). Pure; the stream
 * worker keeps one tape per account and symbol and hands it with every market event (`LegMarketEvent.tape`),
 * so ticks that change no decision are never written to the state store.
 *
 * After a stream reconnect the tape is `resyncing` until the worker's REST resync is done: its view then has
 * no fresh data, so nothing that needs fresh data is decided on it (the closer's panic slices and protective
 * stop still may).
 */
import type { Decimal } from './money.js';

/** How much trade history a tape keeps (the longest return window a strategy may ask for). */
export const TAPE_WINDOW_MS = 10_000;

/** What the market looks like to a strategy now. */
export interface MarketView {
  readonly bid: Decimal | null;
  readonly ask: Decimal | null;
  readonly bookAt: number | null;
  /** The trade before the last, and the last. */
  readonly prev: Decimal | null;
  readonly last: Decimal | null;
  readonly tradeAt: number | null;
  /** The last trade price the window ago (null: the window is not full yet). */
  readonly windowStart: Decimal | null;
  readonly mark: Decimal | null;
}

export interface TapeTrade {
  readonly at: number;
  readonly price: Decimal;
}

/** The market view's fields as last received, plus the accel window's trades. */
export interface Tape extends Omit<MarketView, 'windowStart'> {
  /** Trades of the accel window, oldest first, with the one just before it (the window's start price). */
  readonly window: readonly TapeTrade[];
  readonly resyncing: boolean;
}

export const EMPTY_TAPE: Tape = {
  bid: null,
  ask: null,
  bookAt: null,
  prev: null,
  last: null,
  tradeAt: null,
  mark: null,
  window: [],
  resyncing: false,
};

export type TapeEvent =
  | { readonly type: 'bookTop'; readonly bid: Decimal; readonly ask: Decimal }
  | { readonly type: 'trade'; readonly price: Decimal }
  | { readonly type: 'markPrice'; readonly mark: Decimal }
  | { readonly type: 'reconnected' }
  | { readonly type: 'resynced' };

/** The tape after an event that arrived at `at` (the window keeps `windowMs` of trades and one before). */
export function onTapeEvent(tape: Tape, e: TapeEvent, at: number, windowMs = TAPE_WINDOW_MS): Tape {
  switch (e.type) {
    case 'bookTop':
      // A crossed or empty book is not a book: kept out, so it can never price an order.
      if (!e.bid.greaterThan(0) || e.ask.lessThan(e.bid)) return tape;
      return { ...tape, bid: e.bid, ask: e.ask, bookAt: at };
    case 'trade': {
      if (!e.price.greaterThan(0)) return tape;
      const window = [...tape.window, { at, price: e.price }];
      // Drop what is older than the window, but keep the last trade before it: the window's start price.
      let drop = 0;
      while (drop + 1 < window.length && window[drop + 1]!.at <= at - windowMs) drop++;
      return { ...tape, prev: tape.last, last: e.price, tradeAt: at, window: window.slice(drop) };
    }
    case 'markPrice':
      return e.mark.greaterThan(0) ? { ...tape, mark: e.mark } : tape;
    case 'reconnected':
      return { ...tape, resyncing: true };
    case 'resynced':
      return { ...tape, resyncing: false };
  }
}

/** The engine's view of the tape at `now`. */
export function marketView(tape: Tape, now: number, windowMs: number): MarketView {
  // The price the window starts at: the last trade at or before `now − windowMs` (none yet: no return).
  let start: TapeTrade | null = null;
  for (const t of tape.window) if (t.at <= now - windowMs) start = t;
  return {
    bid: tape.bid,
    ask: tape.ask,
    // While resyncing after a reconnect the data is not trusted: it reads as never updated.
    bookAt: tape.resyncing ? null : tape.bookAt,
    prev: tape.prev,
    last: tape.last,
    tradeAt: tape.resyncing ? null : tape.tradeAt,
    windowStart: start?.price ?? null,
    mark: tape.mark,
  };
}
