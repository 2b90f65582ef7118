import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec } from '../../../../../shared/domain/money.js';
import type { Fill } from '../../../../../shared/domain/orders.js';
import {
  markJournaled,
  onFill,
  RECENT_TRADES_AFTER_CURSOR_MAX,
  RECENT_TRADES_BEFORE_CURSOR,
  UNJOURNALED_MAX,
} from '../../../../../shared/domain/strategies/klg/index.js';
import { KlgBot, kinds, plain } from '../../../../support/strategies/klg/bot.js';

describe('event track: buy fills', () => {
  it('answers a buy fill with only the delta sell', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const [fill] = bot.venue.moveTo(dec('0.179'));
    const commands = bot.fill(fill!);
    // The opening fill's decision also places the stop (protection first), and nothing else.
    expect(kinds(commands)).toEqual(['PlaceStop', 'PlaceOrder']);
    expect(plain(commands[1])).toMatchObject({ request: { side: 'sell', price: '0.19', qty: '70' } });
    expect(bot.state.holdings.toFixed()).toBe('100');
    expect(bot.state.avgEntry.toFixed()).toBe('0.18');
    expect(bot.level('0.18').fillCounter).toBe(1);
    expect(bot.level('0.18').state).toBe('IDLE');
  });

  it('tops up a sell below one grid unit before using the next resistance', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.179'); // 70 at 0.19
    const [second] = bot.venue.moveTo(dec('0.169')); // 0.17 fills
    const commands = bot.fill(second!);
    expect(kinds(commands)).toEqual(['AmendOrder', 'PlaceOrder']);
    expect(plain(commands[0])).toMatchObject({ kind: 'AmendOrder', qty: '100', openQty: '100' });
    // Price 0.169 made 0.18 a resistance; with the average at 0.175 it passes the profit guard.
    expect(plain(commands[1])).toMatchObject({ request: { price: '0.18', qty: '40' } });
    expect(bot.openSells()).toEqual([
      { price: '0.18', qty: '40' },
      { price: '0.19', qty: '100' },
    ]);
  });

  it('places the delta as a new sell when the venue cannot amend (recon fixes the rest)', () => {
    const bot = new KlgBot(KlgBot.doge('0.185').config, dec('0.185'), undefined, { supportsAmend: false });
    bot.recon();
    bot.move('0.179');
    const [second] = bot.venue.moveTo(dec('0.169'));
    const commands = bot.fill(second!);
    expect(commands[0]).toMatchObject({ kind: 'CancelOrder', reason: expect.stringMatching(/cannot amend/) });
  });

  it('does nothing twice for a duplicated fill', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const [fill] = bot.venue.moveTo(dec('0.179'));
    bot.fill(fill!);
    const before = bot.state;
    const again = onFill(before, fill!, bot.config, bot.venue.market(), bot.venue.time + 5);
    expect(again.commands).toEqual([]);
    expect(again.state).toBe(before);
  });

  it('ignores fills of another symbol or position side', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const [fill] = bot.venue.moveTo(dec('0.179'));
    const other = onFill(bot.state, { ...fill!, symbol: 'BTC/USDT:USDT' }, bot.config, bot.venue.market(), 1);
    const short = onFill(bot.state, { ...fill!, positionSide: 'SHORT' }, bot.config, bot.venue.market(), 1);
    expect(other.state).toBe(bot.state);
    expect(short.state).toBe(bot.state);
  });

  it('cancels sells a higher average pushed under the profit guard', () => {
    // Dense levels 0.4% apart with min profit 0.5%: a buy right under a sell lifts the average past it.
    const bot = KlgBot.doge('0.2005', {
      levels: { source: 'manual', prices: ['0.19', '0.2', '0.2008', '0.21'] },
      buy_price_buffer_pct: '0',
      sell_price_buffer_pct: '0',
    });
    bot.venue.handTrade('buy', dec('100')); // entry 0.2005 → guard 0.2015: 0.2008 locked, sells at 0.21
    bot.recon();
    bot.recon();
    expect(bot.openSells()).toEqual([{ price: '0.21', qty: '70' }]);
    expect(bot.state.levels.find((l) => l.price.equals(dec('0.2008')))?.profitLocked).toBe(true);
  });
});

describe('event track: sell fills', () => {
  it('releases quota lowest level first, carrying fractions, and re-places the freed buy', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169'); // 0.18 and 0.17 fill: 200 held, sells 40 @0.18 + 100 @0.19
    bot.move('0.175');
    bot.recon();
    const [first, second] = bot.venue.moveTo(dec('0.1905')).sort((a, b) => a.qty.comparedTo(b.qty)); // both fill
    bot.fill(first!); // 40 sold: 0.4 of a unit, carried
    expect(bot.state.releasedQuotaRemainder.toFixed()).toBe('0.4');
    expect(bot.level('0.17').fillCounter).toBe(1);
    const commands = bot.fill(second!); // 100 more: 1.4 units → the lowest counter (0.17) is released
    expect(bot.level('0.17').fillCounter).toBe(0);
    expect(bot.level('0.18').fillCounter).toBe(1);
    expect(bot.state.releasedQuotaRemainder.toFixed()).toBe('0.4');
    expect(plain(commands)).toContainEqual(
      expect.objectContaining({
        kind: 'PlaceOrder',
        request: expect.objectContaining({ side: 'buy', price: '0.17' }),
      }),
    );
    expect(bot.state.holdings.toFixed()).toBe('60');
  });

  it('realizes PnL against the average entry and keeps fees', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const [buy] = bot.venue.moveTo(dec('0.179'));
    bot.fill({ ...buy!, fee: dec('0.0036') });
    bot.move('0.1905');
    expect(bot.state.realizedPnl.toFixed()).toBe('0.7'); // 70 × (0.19 − 0.18)
    expect(bot.state.feesPaid.toFixed()).toBe('0.0036');
  });

  it('pauses, cancels buys and raises a critical alert when the stop loss fills', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.155'); // buys at 0.18, 0.17, 0.16 fill
    bot.recon(); // stop at 0.15 × 0.995 = 0.14925
    expect(bot.state.stops).toHaveLength(1);
    const fills = bot.venue.moveTo(dec('0.149'));
    const stopFill = fills.find((f) => f.clientOrderId.includes('T'))!;
    for (const f of fills.filter((x) => x !== stopFill)) bot.fill(f);
    const commands = bot.fill(stopFill);
    expect(commands).toContainEqual(
      expect.objectContaining({ kind: 'Alert', severity: 'critical', code: 'stop_loss_triggered' }),
    );
    expect(bot.state.paused).toBe(true);
    expect(bot.state.holdings.isZero()).toBe(true);
    expect(bot.state.levels.every((l) => l.fillCounter === 0)).toBe(true);
    bot.recon();
    expect(bot.openBuys()).toEqual([]);
    expect(bot.openSells()).toEqual([]);
  });

  it('stops selling when a sale made by hand used up the sell quota', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169');
    bot.move('0.175');
    bot.recon();
    const hand = bot.venue.handTrade('sell', dec('150'));
    const commands = bot.fill(hand);
    // 200 bought, 150 sold: more than 70% is gone, so every live sell is cancelled (farthest first), and
    // the released unit (lowest counter, 0.17) gets its buy back.
    expect(kinds(commands)).toEqual(['CancelOrder', 'CancelOrder', 'PlaceOrder']);
    expect(bot.openSells()).toEqual([]);
    expect(bot.openBuys()).toContain('0.17');
  });

  it('trims only the excess, farthest first, when a hand sale leaves quota', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169');
    bot.move('0.175');
    bot.recon();
    // Sell 20 by hand: holdings 180 → 0.7 × 180 = 126, quota 140 − 20 = 120; live 140 → cut 20 at 0.19.
    const commands = bot.fill(bot.venue.handTrade('sell', dec('20')));
    expect(kinds(commands)).toEqual(['AmendOrder']);
    expect(plain(commands[0])).toMatchObject({ openQty: '80' });
  });
});

describe('event track: fills that cannot be true', () => {
  it('ignores a fill at a zero price or of a zero quantity, leaving the ledger untouched', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const [fill] = bot.venue.moveTo(dec('0.179'));
    for (const bad of [
      { ...fill!, price: dec('0') },
      { ...fill!, qty: dec('0') },
    ]) {
      const d = onFill(bot.state, bad, bot.config, bot.venue.market(), bot.venue.time);
      expect(d.applied).toBeNull();
      expect(d.state).toBe(bot.state);
    }
  });
});

describe('event track: the fill cursor while recon cannot read trade history', () => {
  const foreign = (i: number, side: 'buy' | 'sell'): Fill => ({
    tradeId: String(1_000_000 + i),
    symbol: 'DOGE/USDC:USDC',
    clientOrderId: `web_${i}`,
    exchangeOrderId: String(i),
    side,
    positionSide: 'LONG',
    price: dec('0.18'),
    qty: dec('1'),
    fee: dec('0'),
    isMaker: true,
    time: 1_750_000_000_000 + i * 1000,
  });

  it('keeps the idempotency set bounded, warns once, and still treats every applied fill as applied (property)', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    let state = bot.state;
    const total = RECENT_TRADES_BEFORE_CURSOR + RECENT_TRADES_AFTER_CURSOR_MAX + 150;
    const alerts: string[] = [];
    const applied: Fill[] = [];
    for (let i = 0; i < total; i++) {
      const f = foreign(i, i % 2 === 0 ? 'buy' : 'sell');
      const d = onFill(state, f, bot.config, bot.venue.market(), f.time);
      expect(d.applied).not.toBeNull();
      applied.push(f);
      for (const c of d.commands) if (c.kind === 'Alert') alerts.push(c.code);
      state = d.state;
      expect(state.recentTrades.length).toBeLessThanOrEqual(
        RECENT_TRADES_BEFORE_CURSOR + RECENT_TRADES_AFTER_CURSOR_MAX,
      );
      expect(state.unjournaled.length).toBeLessThanOrEqual(UNJOURNALED_MAX);
    }
    expect(alerts.filter((c) => c === 'fill_cursor_stuck')).toHaveLength(1);
    expect(state.fillCursor).not.toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: total - 1 }), (i) => {
        const again = onFill(state, applied[i]!, bot.config, bot.venue.market(), state.updatedAt);
        expect(again.applied).toBeNull();
        expect(again.state).toBe(state);
      }),
      { numRuns: 200 },
    );
  });

  it('lists each applied fill for the journal, with the ledger after it, until a shell marks it written', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const f = foreign(1, 'buy');
    const d = onFill(bot.state, f, bot.config, bot.venue.market(), f.time);
    expect(d.state.unjournaled.map((u) => [u.tradeId, u.side, u.qty.toFixed(), u.role])).toEqual([
      [f.tradeId, 'buy', '1', 'foreign'],
    ]);
    expect(d.state.unjournaled[0]!.holdingsAfter.equals(d.state.holdings)).toBe(true);
    expect(markJournaled(d.state, ['nope'])).toBeNull();
    expect(markJournaled(d.state, [f.tradeId])?.unjournaled).toEqual([]);
  });
});
