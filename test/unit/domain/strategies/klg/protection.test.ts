/**
 * Issue 12 regressions at the engine level: the consistency guard keeps what fill history supports, a locked
 * base does not trip it, resets keep their meaning, refusals alert once, and the margin guard refuses buys
 * that would put liquidation before the stop.
 */
import { describe, expect, it } from 'vitest';
import { marginRefusal } from '../../../../../shared/domain/guards/margin.js';
import { dec } from '../../../../../shared/domain/money.js';
import {
  applyOutcome,
  type KlgState,
  onFill,
  planProtection,
  planRebuild,
  planRecon,
  resetCounters,
} from '../../../../../shared/domain/strategies/klg/index.js';
import {
  estimateLiquidationPrice,
  klgMarginPolicy,
} from '../../../../../shared/domain/strategies/klg/margin-guard.js';
import { venueConfigProblems } from '../../../../../shared/domain/strategies/klg/venue-config.js';
import { dogeRules } from '../../../../support/rules.js';
import { KlgBot, kinds } from '../../../../support/strategies/klg/bot.js';
import { klgConfig } from '../../../../support/strategies/klg/config.js';

/** What recon would read from the account: a wallet at leverage 20, 1% maintenance margin. */
const marginFacts = (wallet: string) => ({
  wallet: dec(wallet),
  leverage: dec('20'),
  maintMarginRate: dec('0.01'),
  liquidationPrice: null,
  at: 0,
});
const alertCodes = (bot: KlgBot) => bot.log.filter((c) => c.kind === 'Alert').map((c) => c.code);
const counters = (s: KlgState) => s.levels.map((l) => l.fillCounter);

describe('consistency guard', () => {
  it('with a locked base, a normal cycle of buys and sales never trips it', () => {
    const bot = KlgBot.doge('0.185', { base_position_locked: '150' });
    bot.recon();
    for (const p of ['0.169', '0.1745', '0.181', '0.195', '0.205', '0.175', '0.159', '0.19', '0.215']) {
      bot.move(p);
      bot.recon();
    }
    expect(alertCodes(bot)).not.toContain('consistency_guard');
  });

  it('when it fires, it keeps the counters fill history supports and locks only the difference', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169'); // buys at 0.18 and 0.17 fill: counters there
    bot.recon();
    expect(counters(bot.state)).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    bot.venue.handTrade('buy', dec('200')); // two units more, by hand
    bot.recon(); // first sighting
    bot.recon(); // adopted: 400 held, 2 counters → the guard adds 2, far-to-near, keeping 0.17 and 0.18
    expect(alertCodes(bot)).toContain('consistency_guard');
    expect(counters(bot.state)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('releases only the excess when counters exceed the holdings, lowest unsupported level first', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169'); // 200 held: counters at 0.17 and 0.18
    bot.recon();
    // Corrupt counters: four levels locked for two units held.
    bot.state = {
      ...bot.state,
      levels: bot.state.levels.map((l, i) => ({ ...l, fillCounter: i < 4 ? 1 : 0 })),
    };
    bot.recon();
    expect(alertCodes(bot)).toContain('consistency_guard');
    expect(counters(bot.state)).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
  });
});

describe('resets', () => {
  it('reset-counters with a position: the levels may buy again and recon does not re-lock them', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169'); // 200 held, counters at 0.17 and 0.18
    bot.move('0.1745');
    bot.recon();
    bot.state = resetCounters(bot.state, bot.venue.time);
    expect(bot.state.resetBaseQty.toFixed()).toBe('200');
    bot.recon();
    bot.recon();
    expect(counters(bot.state).reduce((a, b) => a + b, 0)).toBe(0);
    expect(alertCodes(bot)).not.toContain('consistency_guard');
    expect(bot.openBuys()).toContain('0.17');
    // Sells of the position go on as before.
    expect(bot.openSells().length).toBeGreaterThan(0);
  });

  it('rebuild with max_fill_per_level 2 starts buys from support N+1', () => {
    const bot = KlgBot.doge('0.185', { max_fill_per_level: 2 });
    bot.recon();
    bot.move('0.169'); // 200 held (N = 2)
    bot.move('0.1745');
    bot.recon();
    const levels = ['0.14', '0.15', '0.16', '0.165', '0.17', '0.18', '0.19', '0.2'].map((p) => dec(p));
    const d = planRebuild(bot.state, bot.venue.snapshot(bot.state), bot.config, levels, bot.venue.time);
    expect(counters(d.state)).toEqual([0, 0, 0, 2, 2, 0, 0, 0]);
    bot.state = bot.venue.run(d.state, d.commands).state;
    bot.recon();
    bot.recon();
    expect(bot.openBuys()).toEqual(['0.14', '0.15', '0.16']);
    expect(alertCodes(bot)).not.toContain('consistency_guard');
  });

  it('a grid unit off the exchange step is refused naming the field and the nearest valid values', () => {
    const rules = { ...dogeRules(), stepSize: dec('10') };
    const problems = venueConfigProblems(klgConfig({ base_amount_per_grid: '105' }), rules);
    expect(problems).toEqual([
      expect.stringMatching(
        /base_amount_per_grid: 105 is not a multiple of the exchange step 10 .*use 100 or 110/,
      ),
    ]);
    expect(venueConfigProblems(klgConfig({ base_amount_per_grid: '110' }), rules)).toEqual([]);
  });
});

describe('alerts', () => {
  it('a refused order alerts once while the refusals last, and once when they clear, with the count', () => {
    const bot = KlgBot.doge('0.185');
    const d = planRecon(bot.state, bot.venue.snapshot(bot.state), bot.config, bot.venue.time);
    const places = d.commands.filter((c) => c.kind === 'PlaceOrder');
    let s = d.state;
    const alerts: string[] = [];
    for (const c of places) {
      const o = applyOutcome(
        s,
        c,
        { kind: 'rejected', reason: 'other', code: '-1111', message: 'x' },
        bot.config,
        1,
      );
      s = o.state;
      alerts.push(...o.commands.map((x) => (x.kind === 'Alert' ? x.code : x.kind)));
    }
    expect(places.length).toBe(4);
    expect(alerts).toEqual(['order_rejected_buy']);
    expect(s.suppressedAlerts.order_rejected_buy).toBe(3);
    const again = planRecon(s, bot.venue.snapshot(s), bot.config, bot.venue.time);
    const ok = applyOutcome(
      again.state,
      again.commands.find((c) => c.kind === 'PlaceOrder')!,
      { kind: 'placed' },
      bot.config,
      2,
    );
    expect(ok.commands).toEqual([
      expect.objectContaining({
        code: 'order_rejected_buy_resolved',
        message: expect.stringMatching(/3 repeats were not alerted/),
      }),
    ]);
    expect(ok.state.suppressedAlerts).toEqual({});
  });
});

describe('margin guard', () => {
  it('estimates the cross-margin liquidation price of a long', () => {
    // 10 000 coins at 0.2 on a 500 wallet, mmr 1%: (2000 − 500) / (10 000 × 0.99)
    expect(estimateLiquidationPrice(dec('10000'), dec('0.2'), dec('500'), dec('0.01'))?.toFixed(6)).toBe(
      '0.151515',
    );
    expect(estimateLiquidationPrice(dec('1000'), dec('0.2'), dec('500'), dec('0.01'))).toBeNull();
  });

  it('gives the pre-trade step the facts that refuse a buy putting liquidation before the stop', () => {
    const bot = KlgBot.doge('0.185', { base_amount_per_grid: '1000' });
    const snap = { ...bot.venue.snapshot(bot.state), margin: marginFacts('60') };
    const d = planRecon(bot.state, snap, bot.config, bot.venue.time);
    // The grid decides its buys; whether the margin carries them is the pre-trade step's to judge.
    const buys = d.commands.flatMap((c) => (c.kind === 'PlaceOrder' ? [c.request.price.toFixed()] : []));
    expect(buys).toEqual(['0.18', '0.17', '0.16', '0.15']);
    const policy = klgMarginPolicy(bot.config, d.state, dogeRules())!;
    expect([policy.wallet.toFixed(), policy.leverage?.toFixed(), policy.blocked]).toEqual([
      '60',
      '20',
      false,
    ]);
    // The stop for any entry: the lowest level (0.15) less its offset, on the tick.
    expect(policy.stopAt(dec('0.17'))?.toFixed()).toBe('0.14925');
    // With every live buy filled, liquidation must stay 1% under the stop: two units of 1000 (liquidation
    // ≈ 0.1465) fit on 60 USDT, a third (≈ 0.1515) does not.
    const long = (qty: string, cost: string) => ({ qty: dec(qty), cost: dec(cost), long: true });
    expect(marginRefusal(policy, long('1000', '180'), dec('0.17'), dec('1000'))).toBeNull();
    expect(marginRefusal(policy, long('2000', '350'), dec('0.16'), dec('1000'))).toBe(
      'liquidation_before_stop',
    );
  });

  it('refuses every buy while the held position would be liquidated before its stop', () => {
    const bot = KlgBot.doge('0.185', { base_amount_per_grid: '1000' });
    bot.venue.handTrade('buy', dec('5000'));
    const margin = marginFacts('100');
    const snap = { ...bot.venue.snapshot(bot.state), margin };
    const first = planRecon(bot.state, snap, bot.config, bot.venue.time);
    const second = planRecon(
      first.state,
      { ...bot.venue.snapshot(first.state), margin },
      bot.config,
      bot.venue.time,
    );
    expect(second.state.activeAlerts).toContain('liquidation_before_stop');
    // The pre-trade step then denies every buy the grid decides.
    const policy = klgMarginPolicy(bot.config, second.state, dogeRules())!;
    expect(policy.blocked).toBe(true);
    expect(marginRefusal(policy, { qty: dec('0'), cost: dec('0'), long: true }, dec('0.15'), dec('1'))).toBe(
      'position_liquidates_first',
    );
  });
});

describe('review findings: protection never removed on a partial view', () => {
  it('the backed-off protection pass never cancels or forgets a stop, whatever one read says', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169'); // 200 held, a closePosition stop live
    const stop = bot.state.stops[0]!;
    const snap = bot.venue.snapshot(bot.state);
    const stale = { ...snap, openOrders: snap.openOrders.filter((o) => o.kind !== 'stop') };
    for (const position of [null, { ...snap.position!, qty: dec('0') }]) {
      const d = planProtection(bot.state, { ...stale, position }, bot.config, bot.venue.time);
      expect(kinds(d.commands)).not.toContain('CancelStop');
      expect(d.state.stops.map((s) => s.clientOrderId)).toContain(stop.clientOrderId);
      expect(d.state.holdings.toFixed()).toBe('200');
    }
  });

  it('recon does not cancel the stop on a flat ledger while the exchange still reports a position', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169');
    const snap = bot.venue.snapshot(bot.state);
    const flatLedger = { ...bot.state, holdings: dec('0'), avgEntry: dec('0') };
    const d = planRecon(flatLedger, { ...snap, fills: [] }, bot.config, bot.venue.time);
    expect(kinds(d.commands)).not.toContain('CancelStop');
  });

  it('a stop that executes in several trades sends no second close and alerts once', () => {
    const bot = KlgBot.doge('0.185', { stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.05' } });
    bot.recon();
    bot.move('0.179'); // 100 at 0.18: stop at 0.171
    const stopId = bot.state.stops[0]!.clientOrderId;
    const trade = (id: string, qty: string) => ({
      tradeId: id,
      symbol: bot.config.symbol,
      clientOrderId: stopId,
      exchangeOrderId: '1',
      side: 'sell' as const,
      positionSide: 'LONG' as const,
      price: dec('0.1705'),
      qty: dec(qty),
      fee: dec('0'),
      isMaker: false,
      time: bot.venue.time + 1,
    });
    bot.venue.price = dec('0.1705');
    const market = { ...bot.venue.market(), markPrice: dec('0.1705') };
    const first = onFill(bot.state, trade('9001', '40'), bot.config, market, bot.venue.time);
    const second = onFill(first.state, trade('9002', '60'), bot.config, market, bot.venue.time);
    const all = [...first.commands, ...second.commands];
    expect(kinds(all)).not.toContain('ClosePosition');
    expect(all.filter((c) => c.kind === 'Alert' && c.code === 'stop_loss_triggered')).toHaveLength(1);
    expect(second.state.holdings.toFixed()).toBe('0');
    expect(second.state.flatten).toBeNull();
  });

  it('a last-price wick under the trigger does not close the position while the mark is above it', () => {
    const bot = KlgBot.doge('0.185', { stop_loss: { mode: 'avg_entry', avg_entry_pct: '0.01' } });
    bot.venue.handTrade('buy', dec('100')); // entry 0.185 → trigger 0.18315
    const snap = { ...bot.venue.snapshot(bot.state), price: dec('0.1830'), markPrice: dec('0.1840') };
    const d = planRecon(bot.state, snap, bot.config, bot.venue.time);
    expect(kinds(d.commands)).not.toContain('ClosePosition');
    expect(kinds(d.commands)).toContain('PlaceStop');
  });

  it('a stop that never reached the exchange (network) is sent again at once, without a critical alert', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const [fill] = bot.venue.moveTo(dec('0.179'));
    const d = onFill(bot.state, fill!, bot.config, bot.venue.market(), bot.venue.time);
    const place = d.commands.find((c) => c.kind === 'PlaceStop')!;
    if (place.kind !== 'PlaceStop') throw new Error('no stop');
    const o = applyOutcome(
      d.state,
      place,
      { kind: 'rejected', reason: 'network', message: 'ECONNRESET' },
      bot.config,
      2,
    );
    const again = o.commands.find((c) => c.kind === 'PlaceStop');
    expect(again).toBeDefined();
    expect(again?.kind === 'PlaceStop' && again.request.clientOrderId).not.toBe(place.request.clientOrderId);
    expect(o.commands.filter((c) => c.kind === 'Alert' && c.severity === 'critical')).toEqual([]);
    expect(o.state.stops.map((s) => s.state)).toEqual(['PLACING']);
  });
});
