/**
 * What the closer knows of one symbol's market: the book top, the last two trades, the trades of the accel
 * window, and the mark price, each stamped with when it arrived (staleness is judged on arrival, as the
 * seed does: a quiet venue or a dead socket look the same). Pure; the stream worker feeds it.
 *
 * After a stream reconnect the tape is `resyncing` until the caller says the REST resync is done: its view
 * then has no fresh data, so no signal order goes out (panic slices and the protective stop still may).
 */
import type { Decimal } from '../../money.js';
import type { MarketView } from './engine.js';

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
export function onTapeEvent(tape: Tape, e: TapeEvent, at: number, windowMs: number): Tape {
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
