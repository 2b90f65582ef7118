/**
 * Sizing a Key Level Grid in quote currency (`quote_amount_per_grid`): the config takes one of the two
 * sizes, the quote amount is converted to coins at the exchange step, the venue check names a quote amount
 * too small to trade, and the converted unit stays put while anything is held in it.
 */
import { describe, expect, it } from 'vitest';
import { dec, ZERO } from '../../../../../shared/domain/money.js';
import {
  type ConvertedUnit,
  convertQuoteUnit,
  resizeGridUnit,
  settleGridUnit,
  unitOf,
} from '../../../../../shared/domain/strategies/klg/grid-unit.js';
import { counterDrift } from '../../../../../shared/domain/strategies/klg/index.js';
import { venueConfigProblems } from '../../../../../shared/domain/strategies/klg/venue-config.js';
import { dogeRules } from '../../../../support/rules.js';
import { KlgBot } from '../../../../support/strategies/klg/bot.js';
import { klgConfig, klgConfigError, klgConfigInput } from '../../../../support/strategies/klg/config.js';

const configError = klgConfigError;

describe('quote_amount_per_grid in the config', () => {
  it('takes the quote amount instead of coins', () => {
    const c = klgConfig({ quote_amount_per_grid: '20' });
    expect(c.quote_amount_per_grid?.toFixed()).toBe('20');
    expect(c.base_amount_per_grid).toBeUndefined();
  });

  it('refuses both sizes at once, and neither, naming the fields and the fix', () => {
    const both = configError(klgConfigInput({ base_amount_per_grid: '100', quote_amount_per_grid: '20' }));
    expect(both.message).toMatch(/quote_amount_per_grid.*give the grid unit once/);
    const { base_amount_per_grid: _drop, ...neither } = klgConfigInput();
    const none = configError(neither);
    expect(none.message).toMatch(
      /base_amount_per_grid.*base_amount_per_grid \(coins per support.*quote_amount_per_grid/,
    );
    expect(configError(klgConfigInput({ quote_amount_per_grid: '0' })).message).toMatch(
      /quote_amount_per_grid.*greater than 0/,
    );
  });
});

describe('converting a quote amount to coins', () => {
  it('rounds down to the exchange step, never below one step', () => {
    const rules = dogeRules({ stepSize: dec('10') });
    expect(convertQuoteUnit(dec('20'), dec('0.18'), rules).toFixed()).toBe('110'); // 111.1 → 110
    expect(convertQuoteUnit(dec('20'), dec('0.2'), rules).toFixed()).toBe('100'); // exact
    expect(convertQuoteUnit(dec('1'), dec('0.2'), rules).toFixed()).toBe('10'); // 5 → one step
  });

  it('keeps the unit while anything is held in it, and converts again only when flat', () => {
    const config = klgConfig({ quote_amount_per_grid: '20' });
    const rules = dogeRules();
    const s: { unit: ConvertedUnit | null; holdings: ReturnType<typeof dec> } = {
      unit: null,
      holdings: ZERO,
    };
    const flat = { rebuild: false, exchangeFlat: true, buyResting: false };
    settleGridUnit(s, config, dec('0.2'), rules, 1);
    expect(unitOf(config, s).toFixed()).toBe('100');
    // The price moves; later decisions keep the grid's unit (its resting buys carry it).
    settleGridUnit(s, config, dec('0.1'), rules, 2);
    expect(resizeGridUnit(s, config, dec('0.1'), rules, 2, flat)).toBe(false);
    expect(unitOf(config, s).toFixed()).toBe('100');
    // A rebuild while holding keeps it: the holdings are counted in it.
    s.holdings = dec('100');
    expect(resizeGridUnit(s, config, dec('0.1'), rules, 3, { ...flat, rebuild: true })).toBe(false);
    expect(unitOf(config, s).toFixed()).toBe('100');
    // A changed quote amount while holding waits for flat...
    const more = klgConfig({ quote_amount_per_grid: '40' });
    expect(resizeGridUnit(s, more, dec('0.1'), rules, 4, flat)).toBe(false);
    expect(unitOf(more, s).toFixed()).toBe('100');
    // ...for the exchange to be flat too, and for no buy of the old size to rest.
    s.holdings = ZERO;
    expect(resizeGridUnit(s, more, dec('0.1'), rules, 5, { ...flat, exchangeFlat: false })).toBe(false);
    expect(resizeGridUnit(s, more, dec('0.1'), rules, 5, { ...flat, buyResting: true })).toBe(false);
    expect(unitOf(more, s).toFixed()).toBe('100');
    expect(resizeGridUnit(s, more, dec('0.1'), rules, 5, flat)).toBe(true);
    expect(s.unit).toEqual({ coins: dec('400'), quote: dec('40'), price: dec('0.1'), at: 5 });
    // A rebuild while flat takes today's price (its live buys are cancelled with it).
    expect(resizeGridUnit(s, more, dec('0.2'), rules, 6, { ...flat, rebuild: true, buyResting: true })).toBe(
      true,
    );
    expect(unitOf(more, s).toFixed()).toBe('200');
    // A coin-sized config wins and clears the converted unit.
    const coins = klgConfig({ base_amount_per_grid: '50' });
    settleGridUnit(s, coins, dec('0.2'), rules, 7);
    expect(s.unit).toBeNull();
    expect(unitOf(coins, s).toFixed()).toBe('50');
  });

  it('refuses to buy a quote amount worth less than one exchange step, rather than buy more than it', () => {
    // 0.5 USDC at 0.185 is 2.7 coins: below a step of 10 coins (1.85 USDC), so not one buy is placed.
    const rules = dogeRules({ stepSize: dec('10'), minQty: dec('10'), minNotional: dec('0') });
    const big = new KlgBot(klgConfig({ quote_amount_per_grid: '0.5' }), dec('0.185'), rules);
    big.recon();
    expect(big.state.unit?.coins.toFixed()).toBe('10'); // one step, for the arithmetic only
    expect(big.venue.openOrders().filter((o) => o.kind === 'limit' && o.side === 'buy')).toEqual([]);
    expect(big.log.some((c) => c.kind === 'Alert' && c.code === 'grid_unit_below_minimum')).toBe(true);
  });

  it('a risk check on a state not converted yet (the config just switched to quote sizing) does not fail', () => {
    const state = KlgBot.doge('0.185').state; // laid out in coins: no converted unit
    const quoteConfig = klgConfig({ quote_amount_per_grid: '20' });
    expect(state.unit).toBeNull();
    expect(counterDrift(state, quoteConfig)).toBe(0);
  });

  it('the venue check names a quote amount below the exchange minimum, with the amount that works', () => {
    const rules = dogeRules({ minNotional: dec('5') });
    const levels = ['0.15', '0.2'].map((p) => dec(p));
    const small = venueConfigProblems(klgConfig({ quote_amount_per_grid: '4' }), rules, {
      levels,
      price: dec('0.2'),
    });
    expect(small).toEqual([
      expect.stringMatching(
        /quote_amount_per_grid: 4 buys 20 coins at 0\.2, below the exchange minimum order of 34 coins .*raise it to at least 6\.8/,
      ),
    ]);
    expect(
      venueConfigProblems(klgConfig({ quote_amount_per_grid: '6.8' }), rules, { levels, price: dec('0.2') }),
    ).toEqual([]);
  });

  it('a grid sized in USDC lays out buys of the converted unit on the toy venue', () => {
    const bot = KlgBot.doge('0.185', { quote_amount_per_grid: '20' });
    bot.recon();
    expect(bot.state.unit?.coins.toFixed()).toBe('108'); // 20 / 0.185 = 108.1 → 108
    const buys = bot.venue.openOrders().filter((o) => o.kind === 'limit' && o.side === 'buy');
    expect(buys.length).toBeGreaterThan(0);
    for (const b of buys) expect(b.qty.toFixed()).toBe('108');
    // A fill is counted in that unit: one level bought, holdings 108.
    bot.move('0.179');
    expect(bot.state.holdings.toFixed()).toBe('108');
    expect(bot.state.levels.filter((l) => l.fillCounter > 0)).toHaveLength(1);
  });
});
