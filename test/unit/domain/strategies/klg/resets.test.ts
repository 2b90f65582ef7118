import { describe, expect, it } from 'vitest';
import { dec } from '../../../../../shared/domain/money.js';
import {
  initialKlgState,
  pause,
  planRebuild,
  resetCounters,
  resume,
  reverseReconcile,
} from '../../../../../shared/domain/strategies/klg/index.js';
import { KlgBot, kinds, plain } from '../../../../support/strategies/klg/bot.js';

describe('reverse reconciliation (cold start)', () => {
  it('adopts the exchange position at once and locks counters on supports far-to-near', () => {
    const bot = KlgBot.doge('0.185');
    bot.venue.position = dec('250');
    bot.venue.entry = dec('0.17');
    const d = reverseReconcile(bot.state, bot.venue.snapshot(bot.state), bot.config, bot.venue.time);
    expect(d.state.holdings.toFixed()).toBe('250');
    expect(d.state.avgEntry.toFixed()).toBe('0.17');
    expect(d.state.levels.map((l) => l.fillCounter)).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    expect(plain(d.commands)).toContainEqual(expect.objectContaining({ code: 'reverse_reconciliation' }));
  });

  it('assigns counters by fill history where it is known', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169'); // grid buys at 0.18 and 0.17
    const lost = initialKlgState(
      'dogeklg',
      bot.state.levels.map((l) => l.price),
      bot.venue.time,
    );
    const d = reverseReconcile(lost, bot.venue.snapshot(lost), bot.config, bot.venue.time);
    expect(d.state.levels.map((l) => l.fillCounter)).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
  });

  it('does not replay trade history that predates a fresh ledger, but moves the cursor past it', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169');
    bot.move('0.1905'); // a buy-sell round trip happened before the state was lost
    const lost = initialKlgState(
      'dogeklg',
      bot.state.levels.map((l) => l.price),
      bot.venue.time,
    );
    const snapshot = bot.venue.snapshot(lost);
    const d = reverseReconcile(lost, snapshot, bot.config, bot.venue.time);
    expect(d.state.holdings.equals(bot.venue.position)).toBe(true);
    expect(d.state.realizedPnl.isZero()).toBe(true);
    expect(d.state.fillCursor?.tradeId).toBe(snapshot.fills[snapshot.fills.length - 1]?.tradeId);
    expect(d.state.boughtSinceFlat.equals(bot.venue.position)).toBe(true);
  });

  it('alerts when holdings exceed what the grid can account for', () => {
    const bot = KlgBot.doge('0.185');
    bot.venue.position = dec('5000');
    bot.venue.entry = dec('0.2');
    const d = reverseReconcile(bot.state, bot.venue.snapshot(bot.state), bot.config, bot.venue.time);
    expect(d.state.levels.every((l) => l.fillCounter === 1)).toBe(true);
    expect(plain(d.commands)).toContainEqual(expect.objectContaining({ code: 'holdings_exceed_grid' }));
  });
});

describe('manual controls', () => {
  it('reset-counters clears every counter and the carried fraction', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169');
    const s = resetCounters(bot.state, 5);
    expect(s.levels.every((l) => l.fillCounter === 0)).toBe(true);
    expect(s.releasedQuotaRemainder.isZero()).toBe(true);
    expect(s.holdings.toFixed()).toBe('200');
  });

  it('pause stops opening orders (buys are cancelled, sells and the stop stay); resume restores them', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.179');
    bot.recon();
    bot.state = pause(bot.state, 'operator', bot.venue.time);
    const commands = bot.recon();
    expect(kinds(commands).every((k) => k === 'CancelOrder')).toBe(true);
    expect(bot.openBuys()).toEqual([]);
    expect(bot.openSells()).toHaveLength(1);
    expect(bot.state.stops).toHaveLength(1);
    bot.state = resume(bot.state, bot.venue.time);
    bot.recon();
    expect(bot.openBuys()).toEqual(['0.15', '0.16', '0.17']);
  });

  it('rebuild cancels every grid order and, holding N units, buys from support N+1', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169'); // 200 held (N = 2)
    bot.move('0.1745');
    bot.recon();
    const newLevels = ['0.14', '0.15', '0.16', '0.165', '0.17', '0.18', '0.19', '0.2'].map((p) => dec(p));
    const d = planRebuild(bot.state, bot.venue.snapshot(bot.state), bot.config, newLevels, bot.venue.time);
    expect(kinds(d.commands).filter((k) => k === 'CancelOrder').length).toBe(
      bot.venue.openOrders().filter((o) => o.kind === 'limit').length,
    );
    expect(d.state.epoch).toBe(1);
    expect(d.state.epochStartSeq).toBe(bot.state.nextSeq);
    // Supports below 0.1745: 0.14 0.15 0.16 0.165 0.17; the two nearest (0.17, 0.165) count as bought.
    expect(d.state.levels.map((l) => l.fillCounter)).toEqual([0, 0, 0, 1, 1, 0, 0, 0]);
    bot.state = bot.venue.run(d.state, d.commands).state;
    bot.recon();
    expect(bot.openBuys()).toEqual(['0.14', '0.15', '0.16']);
    expect(bot.openSells().reduce((t, s) => t + Number(s.qty), 0)).toBe(140);
  });
});
