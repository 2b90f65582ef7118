import { describe, expect, it } from 'vitest';
import {
  EMPTY_TAPE,
  marketView,
  onTapeEvent,
  type Tape,
  type TapeEvent,
} from '../../../shared/domain/market-tape.js';
import { dec } from '../../../shared/domain/money.js';

const W = 2_000;
const feed = (events: [number, TapeEvent][]): Tape =>
  events.reduce((t, [at, e]) => onTapeEvent(t, e, at, W), EMPTY_TAPE);
const trade = (p: string): TapeEvent => ({ type: 'trade', price: dec(p) });

describe('the closer tape', () => {
  it('keeps the book, the last two trades, the mark, and the price the accel window starts at', () => {
    const tape = feed([
      [0, trade('100')],
      [1_000, trade('101')],
      [2_500, trade('102')],
      [2_600, { type: 'bookTop', bid: dec('101.9'), ask: dec('102') }],
      [2_700, { type: 'markPrice', mark: dec('101.95') }],
    ]);
    const v = marketView(tape, 3_000, W);
    expect([v.prev?.toFixed(), v.last?.toFixed(), v.bid?.toFixed(), v.mark?.toFixed()]).toEqual([
      '101',
      '102',
      '101.9',
      '101.95',
    ]);
    // 2 s before 3 000 is 1 000: the trade at 1 000 (101) starts the window.
    expect(v.windowStart?.toFixed()).toBe('101');
    expect(marketView(tape, 1_500, W).windowStart).toBeNull(); // not 2 s of tape yet
    // The window keeps the last trade before it (its start price for a view now) and drops the older ones.
    expect(tape.window.map((t) => t.price.toFixed())).toEqual(['100', '101', '102']);
    const later = onTapeEvent(tape, trade('103'), 4_000, W);
    expect(later.window.map((t) => t.price.toFixed())).toEqual(['101', '102', '103']);
  });

  it('refuses a crossed book, and reads as stale while resyncing after a reconnect', () => {
    let tape = feed([
      [0, { type: 'bookTop', bid: dec('100'), ask: dec('100.1') }],
      [0, trade('100')],
    ]);
    expect(onTapeEvent(tape, { type: 'bookTop', bid: dec('101'), ask: dec('100') }, 10, W)).toBe(tape);
    tape = onTapeEvent(tape, { type: 'reconnected' }, 20, W);
    expect([marketView(tape, 30, W).bookAt, marketView(tape, 30, W).tradeAt]).toEqual([null, null]);
    tape = onTapeEvent(tape, { type: 'resynced' }, 40, W);
    expect(marketView(tape, 50, W).bookAt).toBe(0);
  });
});
