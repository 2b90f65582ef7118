import { describe, expect, it } from 'vitest';
import { dec } from '../../../../../shared/domain/money.js';
import { checkKlgInvariants } from '../../../../../shared/domain/strategies/klg/index.js';
import { KlgBot, kinds, plain } from '../../../../support/strategies/klg/bot.js';

// Levels 0.15 … 0.22 every 0.01; one grid unit = 100 DOGE; DOGEUSDC rules (tick 0.00001, step 1, min notional 5).

describe('recon: polarity and buffers', () => {
  it('places a buy at every support the buffer allows on the first pass', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    expect(bot.openBuys()).toEqual(['0.15', '0.16', '0.17', '0.18']);
    expect(bot.openSells()).toEqual([]);
    expect(bot.state.levels.filter((l) => l.role === 'SUPPORT')).toHaveLength(4);
  });

  it('does not buy at a support price is resting on (inside the buy buffer)', () => {
    const bot = KlgBot.doge('0.1802');
    bot.recon();
    expect(bot.openBuys()).toEqual(['0.15', '0.16', '0.17']);
  });

  it('places no order at a level equal to the price', () => {
    const bot = KlgBot.doge('0.18');
    bot.recon();
    expect(bot.level('0.18').role).toBe('AT_PRICE');
    expect(bot.level('0.18').order).toBeNull();
  });

  it('cancels a buy whose support turned into a resistance before anything else', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.venue.price = dec('0.1795'); // price fell through 0.18 without the buy filling (a gap)
    const commands = bot.recon();
    expect(commands[0]).toMatchObject({
      kind: 'CancelOrder',
      reason: expect.stringMatching(/polarity flip/),
    });
    expect(bot.openBuys()).toEqual(['0.15', '0.16', '0.17']);
  });

  it('uses post-only orders on the instance position side', () => {
    const bot = KlgBot.doge('0.185');
    const [first] = bot.recon();
    expect(plain(first)).toMatchObject({
      kind: 'PlaceOrder',
      request: { type: 'limit', side: 'buy', positionSide: 'LONG', timeInForce: 'GTX', qty: '100' },
    });
    expect(first?.kind === 'PlaceOrder' && 'reduceOnly' in first.request).toBe(false);
  });
});

describe('recon: seed acceptance scenarios', () => {
  it('keeps a level that was bought and not yet sold blocked in a ranging market', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.179'); // 0.18 buy fills
    expect(bot.level('0.18').fillCounter).toBe(1);
    bot.move('0.185'); // back up: 0.18 is a support again, buffer satisfied
    bot.recon();
    expect(bot.openBuys()).toEqual(['0.15', '0.16', '0.17']);
    expect(bot.level('0.18').order).toBeNull();
  });

  it('cancels sells that became too close to the average when min_profit_pct is raised', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.179'); // buy 100 at 0.18 → sell 70 at 0.19
    bot.move('0.185');
    expect(bot.openSells()).toEqual([{ price: '0.19', qty: '70' }]);
    const strict = new KlgBot({ ...bot.config, min_profit_pct: dec('0.1') }, dec('0.185'));
    strict.state = bot.state;
    Object.assign(strict.venue, {
      orders: bot.venue.orders,
      position: bot.venue.position,
      entry: bot.venue.entry,
    });
    (strict.venue.trades as unknown[]).push(...bot.venue.trades);
    const commands = strict.recon();
    expect(commands.find((c) => c.kind === 'CancelOrder')).toMatchObject({
      reason: expect.stringMatching(/profit guard/),
    });
    // 0.18 × 1.1 = 0.198: only 0.20 and up qualify; the 70 move there.
    expect(strict.openSells()).toEqual([{ price: '0.2', qty: '70' }]);
    expect(strict.state.levels.find((l) => l.price.equals(dec('0.19')))?.profitLocked).toBe(true);
  });

  it('spreads a position added by hand over resistances by the waterfall', () => {
    const bot = KlgBot.doge('0.185', {
      levels: { source: 'manual', prices: ['0.17', '0.18', '0.19', '0.2', '0.21', '0.22', '0.23'] },
    });
    bot.recon();
    bot.venue.handTrade('buy', dec('500'));
    bot.recon(); // first sighting: the trade arrives through history and is applied
    expect(bot.state.holdings.toFixed()).toBe('500');
    // 500 × 0.7 = 350 → 100 at 0.19, 0.20, 0.21 and 50 at 0.22 (50 × 0.22 = 11 ≥ min notional 5)
    expect(bot.openSells()).toEqual([
      { price: '0.19', qty: '100' },
      { price: '0.2', qty: '100' },
      { price: '0.21', qty: '100' },
      { price: '0.22', qty: '50' },
    ]);
    // The hand buy is not a grid buy: the guard locks counters far-to-near for it.
    expect(bot.state.levels.map((l) => l.fillCounter)).toEqual([1, 1, 1, 1, 1, 0, 0]);
  });

  it('restores an order cancelled by hand within one recon', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const victim = bot.level('0.17').order!.clientOrderId;
    bot.venue.cancelByHand(victim);
    bot.recon();
    expect(bot.openBuys()).toEqual(['0.15', '0.16', '0.17', '0.18']);
    expect(bot.level('0.17').order?.clientOrderId).not.toBe(victim);
  });

  it('never sells the base position below 30% of what was bought', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.1495'); // all four buys fill: 400 bought (the stop sits at 0.14925)
    bot.recon();
    for (const p of ['0.16', '0.17', '0.18', '0.19', '0.2', '0.21', '0.225', '0.23']) {
      bot.move(p);
      bot.recon();
    }
    expect(bot.state.holdings.toFixed()).toBe('120');
    expect(bot.state.holdings.greaterThanOrEqualTo(dec('400').times('0.3'))).toBe(true);
    expect(bot.openSells()).toEqual([]);
  });
});

describe('recon: self-healing', () => {
  it('leaves a young PLACING level to the track that is placing it', () => {
    const bot = KlgBot.doge('0.185');
    const d = bot.recon(); // executes; now pretend the next decision is mid-flight
    expect(d.length).toBeGreaterThan(0);
    const level = bot.state.levels[0]!;
    bot.state = {
      ...bot.state,
      levels: bot.state.levels.map((l) =>
        l === level ? { ...l, state: 'PLACING', order: { ...l.order!, pending: 'place' } } : l,
      ),
    };
    bot.venue.cancelByHand(level.order!.clientOrderId);
    bot.recon();
    expect(bot.state.levels[0]!.state).toBe('PLACING');
  });

  it('adopts an order a crashed pass placed between PLACING and ACTIVE', () => {
    const bot = KlgBot.doge('0.185');
    const before = bot.state;
    bot.recon();
    // The crash: the PLACING state was saved, the orders were sent, the ACTIVE state never was.
    const placing = bot.state.levels.map((l) =>
      l.order ? { ...l, state: 'PLACING' as const, order: { ...l.order, pending: 'place' as const } } : l,
    );
    bot.state = { ...bot.state, levels: placing };
    bot.venue.time += 11_000; // older than order_action_timeout_sec
    const commands = bot.recon();
    expect(kinds(commands).filter((k) => k === 'PlaceOrder')).toEqual([]);
    expect(bot.state.levels.filter((l) => l.state === 'ACTIVE')).toHaveLength(4);
    expect(before.levels.every((l) => l.state === 'IDLE')).toBe(true);
  });

  it('settles a zombie that never reached the exchange and re-places it', () => {
    const bot = KlgBot.doge('0.185');
    const first = planReconOnly(bot);
    // Saved as PLACING, crashed before sending anything.
    bot.state = first;
    bot.venue.time += 11_000;
    bot.recon();
    expect(bot.openBuys()).toEqual(['0.15', '0.16', '0.17', '0.18']);
  });

  it('adopts an order of ours the state does not know and cancels a stray one', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    const saved = bot.state;
    bot.recon();
    // Lose the state of level 0.16 (as if restored from an older copy).
    bot.state = {
      ...saved,
      levels: saved.levels.map((l) =>
        l.price.equals(dec('0.16')) ? { ...l, state: 'IDLE', order: null } : l,
      ),
    };
    bot.venue.orders.set('gbdogeklgL7S99', {
      clientOrderId: 'gbdogeklgL7S99',
      exchangeOrderId: '999',
      kind: 'limit',
      side: 'sell',
      price: dec('0.3'),
      qty: dec('10'),
      filledQty: dec('0'),
      status: 'NEW',
    });
    const commands = bot.recon();
    expect(bot.level('0.16').state).toBe('ACTIVE');
    expect(commands).toContainEqual(
      expect.objectContaining({ kind: 'CancelOrder', clientOrderId: 'gbdogeklgL7S99', level: null }),
    );
    expect(bot.state.nextSeq).toBeGreaterThan(0x99);
  });

  it('adopts a changed exchange position only when the difference persists', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.venue.position = dec('300');
    bot.venue.entry = dec('0.2');
    bot.recon();
    expect(bot.state.holdings.toFixed()).toBe('0');
    expect(bot.state.positionMismatch?.exchangeQty.toFixed()).toBe('300');
    bot.recon();
    expect(bot.state.holdings.toFixed()).toBe('300');
    expect(bot.state.avgEntry.toFixed()).toBe('0.2');
    expect(bot.log).toContainEqual(expect.objectContaining({ kind: 'Alert', code: 'position_adopted' }));
  });

  it('re-derives counters when they disagree with holdings by more than one grid unit', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.venue.handTrade('buy', dec('300'));
    bot.recon();
    expect(bot.log).toContainEqual(expect.objectContaining({ kind: 'Alert', code: 'consistency_guard' }));
    // Far-to-near: 0.15, 0.16, 0.17 locked; their buys cancelled; 0.18 keeps its buy.
    expect(bot.state.levels.slice(0, 4).map((l) => l.fillCounter)).toEqual([1, 1, 1, 0]);
    expect(bot.openBuys()).toEqual(['0.18']);
  });

  it('clears every counter when holdings reach zero', () => {
    const bot = KlgBot.doge('0.185');
    bot.recon();
    bot.move('0.169'); // 0.18 and 0.17 fill
    expect(bot.state.levels.map((l) => l.fillCounter).reduce((a, b) => a + b)).toBe(2);
    bot.venue.handTrade('sell', bot.venue.position);
    bot.recon();
    expect(bot.state.holdings.isZero()).toBe(true);
    expect(bot.state.levels.every((l) => l.fillCounter === 0)).toBe(true);
    expect(bot.openSells()).toEqual([]);
  });

  it('keeps the invariants after every pass', () => {
    const bot = KlgBot.doge('0.185');
    for (const p of ['0.185', '0.172', '0.158', '0.19', '0.205', '0.166', '0.221']) {
      bot.move(p);
      bot.recon();
      expect(checkKlgInvariants(bot.state, bot.config, bot.venue.rules)).toEqual([]);
    }
  });
});

import { planRecon } from '../../../../../shared/domain/strategies/klg/index.js';

function planReconOnly(bot: KlgBot) {
  return planRecon(bot.state, bot.venue.snapshot(bot.state), bot.config, bot.venue.time).state;
}
