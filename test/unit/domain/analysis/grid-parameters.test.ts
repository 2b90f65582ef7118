/**
 * SPEC §3.1 worked by hand for DOGEUSDC and BTCUSDT rules from the real exchangeInfo fixture
 * (DOGEUSDC: tick 0.00001, step 1, min notional 5; BTCUSDT: tick 0.1, step 0.001, min notional 100).
 * The leverage brackets are Binance-shaped examples (`GET /fapi/v1/leverageBracket`), not live figures.
 */
import { describe, expect, it } from 'vitest';
import {
  AnalysisError,
  atrChannel,
  type GridParametersResult,
  gridParameters,
  leverageBracketsSchema,
} from '../../../../shared/domain/analysis/index.js';
import { Decimal, dec } from '../../../../shared/domain/money.js';
import { symbolRules, symbolRulesToJson } from '../../../../shared/domain/symbol-rules.js';
import { hourly } from './builders.js';
import { BTCUSDT, DOGEUSDC } from './exchange-rules.js';

const DOGE_BRACKETS = leverageBracketsSchema.parse([
  { bracket: 1, initialLeverage: 50, notionalCap: 10000, notionalFloor: 0, maintMarginRatio: 0.005, cum: 0 },
  {
    bracket: 2,
    initialLeverage: 25,
    notionalCap: 50000,
    notionalFloor: 10000,
    maintMarginRatio: 0.01,
    cum: 50,
  },
]);
const BTC_BRACKETS = leverageBracketsSchema.parse([
  {
    bracket: 2,
    initialLeverage: 100,
    notionalCap: 800000,
    notionalFloor: 300000,
    maintMarginRatio: 0.01,
    cum: 1800,
  },
  {
    bracket: 1,
    initialLeverage: 125,
    notionalCap: 300000,
    notionalFloor: 0,
    maintMarginRatio: 0.004,
    cum: 0,
  },
]);

const doge = (usable: string, extra: Partial<Parameters<typeof gridParameters>[0]> = {}) =>
  gridParameters({
    upper: dec('0.18'),
    lower: dec('0.15'),
    price: dec('0.165'),
    usableBalance: dec(usable),
    rules: DOGEUSDC,
    targetProfitRate: dec('0.002'),
    brackets: DOGE_BRACKETS,
    ...extra,
  });

const btc = (usable: string, extra: Partial<Parameters<typeof gridParameters>[0]> = {}) =>
  gridParameters({
    upper: dec('110000'),
    lower: dec('100000'),
    price: dec('105000'),
    usableBalance: dec(usable),
    rules: BTCUSDT,
    targetProfitRate: dec('0.002'),
    brackets: BTC_BRACKETS,
    ...extra,
  });

function ok(result: GridParametersResult) {
  if (!result.ok) throw new Error(`expected parameters, got ${result.reason}: ${result.detail}`);
  return result.params;
}

describe('gridParameters, DOGEUSDC (channel 0.15–0.18, price 0.165, maker 0.02%)', () => {
  it('computes spacing, level count, leverage and amount per level as SPEC §3.1 says', () => {
    const p = ok(doge('100'));
    // spacing = (0.002 + 2·0.0002)·0.18 = 0.000432; levels = floor(0.03 / 0.000432) = floor(69.44) = 69
    expect(p.spacing.toFixed()).toBe('0.000432');
    expect(p.levelsFromChannel.toFixed()).toBe('69');
    expect(p.levels).toBe(69);
    // avg 0.165, 1 − 0.15/0.165 = 1/11; L = 1/(1/11 + 0.005) = 10.4265; ×0.8 = 8.34 → 8 (bracket 1: 800 ≤ 10000)
    expect(p.leverage).toBe(8);
    expect(p.maintMarginRatio.toFixed()).toBe('0.005');
    // amount = 100·8/69/0.165 = 70.27 → 70 coins; at the lowest level 0.15 that is 10.5 USDC ≥ 5
    expect(p.amountPerLevel.toFixed()).toBe('70');
    expect(p.notionalAtLowestLevel.toFixed()).toBe('10.5');
    expect(p.levelPrices).toHaveLength(69);
    expect(p.levelPrices[0]!.toFixed()).toBe('0.15');
    expect(p.levelPrices[1]!.toFixed()).toBe('0.15044'); // 0.15 + 0.03/68 = 0.1504412 → nearest tick
    expect(p.levelPrices[68]!.toFixed()).toBe('0.18');
  });

  it('reduces the level count until the lowest level clears the 5 USDC minimum, and uses the reduced count', () => {
    // budget 20·8/0.165 = 969.7 coins; 29 levels → 33 coins → 4.95 USDC at 0.15 (too small); 28 → 34 → 5.1
    const p = ok(doge('20'));
    expect(p.levelsClamped).toBe(69);
    expect(p.levels).toBe(28);
    expect(p.levelPrices).toHaveLength(28);
    expect(p.amountPerLevel.toFixed()).toBe('34');
    expect(p.notionalAtLowestLevel.toFixed()).toBe('5.1');
    expect(p.audit.levels).toBe('28');
    expect(p.audit.levels_clamped).toBe('69');
  });

  it('says the balance is too small when even two levels miss the minimum', () => {
    // budget 1·8/0.165 = 48.5 coins; 2 levels → 24 coins → 3.6 USDC
    const result = doge('1');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('below_min_notional');
    expect(result.detail).toMatch(/even 2 levels of 24 coins/);
    expect(result.audit.leverage).toBe('8');
  });

  it('refuses an amount above the exchange maximum quantity', () => {
    const small = symbolRules({ ...symbolRulesToJson(DOGEUSDC), maxQty: '50' });
    const result = doge('100', { rules: small });
    expect(result).toMatchObject({ ok: false, reason: 'above_max_qty' });
  });

  it('carries every input and output in the audit trail', () => {
    const { audit } = ok(doge('100'));
    expect(audit).toMatchObject({
      upper: '0.18',
      lower: '0.15',
      price: '0.165',
      usable_balance: '100',
      target_profit_rate: '0.002',
      maker_fee: '0.0002',
      safety_factor: '0.8',
      max_leverage: '10',
      tick_size: '0.00001',
      step_size: '1',
      min_notional: '5',
      spacing: '0.000432',
      levels_from_channel: '69',
      levels: '69',
      leverage: '8',
      maint_margin_ratio: '0.005',
      amount_per_level: '70',
      lowest_level: '0.15',
    });
    expect(dec(audit.leverage_long_limit!).toFixed(4)).toBe('10.4265');
  });
});

describe('gridParameters, BTCUSDT (channel 100,000–110,000, price 105,000)', () => {
  it('clamps the leverage to max_leverage and floors the amount to the 0.001 step', () => {
    const p = ok(btc('5000'));
    // spacing = 0.0024·110000 = 264; floor(10000/264) = 37
    expect(p.spacing.toFixed()).toBe('264');
    expect(p.levels).toBe(37);
    // L = 1/(1/21 + 0.004) = 19.37; ×0.8 = 15.5 → 15 → max_leverage 10
    expect(p.leverage).toBe(10);
    // 5000·10/37/105000 = 0.01287 → 0.012 BTC; 0.012·100000 = 1200 USDT
    expect(p.amountPerLevel.toFixed()).toBe('0.012');
    expect(p.notionalAtLowestLevel.toFixed()).toBe('1200');
  });

  it('uses the higher leverage a higher max_leverage allows', () => {
    expect(ok(btc('5000', { maxLeverage: 20 })).leverage).toBe(15);
  });

  it('reduces to 28 levels for a 300 USDT balance against the 100 USDT minimum', () => {
    // budget 300·10/105000 = 0.02857 BTC; /29 = 0.000985 → 0 (below min qty); /28 = 0.00102 → 0.001 → 100 USDT
    const p = ok(btc('300'));
    expect(p.levels).toBe(28);
    expect(p.amountPerLevel.toFixed()).toBe('0.001');
    expect(p.notionalAtLowestLevel.toFixed()).toBe('100');
  });

  it('moves to the next bracket when the position would outgrow the first, and takes its rate', () => {
    // bracket 1: lev 15 → 600,000 > 300,000; bracket 2 (mmr 1%): 1/(1/21 + 0.01) = 17.36; ×0.8 → 13 → 520,000 ≤ 800,000
    const p = ok(btc('40000', { maxLeverage: 20 }));
    expect(p.leverage).toBe(13);
    expect(p.maintMarginRatio.toFixed()).toBe('0.01');
    expect(p.audit.bracket_notional_cap).toBe('800000');
  });

  it('says so when no bracket can hold the position', () => {
    expect(btc('1000000')).toMatchObject({ ok: false, reason: 'position_above_brackets' });
  });

  it('never goes below leverage 1 for a very wide channel', () => {
    // L = 1/(1 − 20000/110000 + 0.004) = 1.22; ×0.8 = 0.98 → 0 → clamped to 1.
    // max_levels 10: 5000/105000/10 = 0.00476 → 0.004 BTC = 80 USDT at 20,000 (too small); 9 → 0.005 = 100
    const p = ok(btc('5000', { upper: dec('200000'), lower: dec('20000'), maxLevels: 10 }));
    expect(p.leverage).toBe(1);
    expect(p.levelsClamped).toBe(10);
    expect(p.levels).toBe(9);
  });
});

describe('gridParameters from an ATR channel', () => {
  it('takes the channel bounds of atrChannel', () => {
    const candles = hourly([
      ['0.165', '0.160', '0.162'],
      ['0.166', '0.161', '0.165'],
      ['0.170', '0.164', '0.168'],
      ['0.169', '0.163', '0.164'],
    ]);
    const channel = atrChannel({
      candles,
      period: 3,
      smoothing: 'RMA',
      multiplier: dec('2'),
      anchor: 'extremes',
    });
    const p = ok(doge('100', { upper: channel.upper, lower: channel.lower, price: dec('0.164') }));
    expect(p.audit.upper).toBe(channel.upper.toFixed());
    expect(p.levelPrices[0]!.toFixed()).toBe(
      channel.lower.toNearest(dec('0.00001'), Decimal.ROUND_HALF_UP).toFixed(),
    );
  });
});

describe('input checks', () => {
  it('rejects an empty or inverted channel, a bad safety factor and non-positive balances', () => {
    expect(() => doge('100', { lower: dec('0.18') })).toThrow(AnalysisError);
    expect(() => doge('100', { lower: dec('0') })).toThrow(/0 < lower < upper/);
    expect(() => doge('0')).toThrow(/usable balance must be > 0/);
    expect(() => doge('100', { safetyFactor: dec('1.5') })).toThrow(/safety_factor/);
    expect(() => doge('100', { minLevels: 5, maxLevels: 4 })).toThrow(/min_levels ≤ max_levels/);
    expect(() => doge('100', { brackets: [] })).toThrow(/brackets are empty/);
    expect(() => doge('100', { targetProfitRate: dec('0') })).toThrow(/target_profit_rate > 0/);
    expect(() => doge('100', { makerFee: dec('-0.0001') })).toThrow(/maker fee ≥ 0/);
    expect(() => doge('100', { maxLeverage: 0 })).toThrow(/max_leverage must be a whole number ≥ 1/);
  });

  it('refuses a channel narrower than two ticks', () => {
    expect(() => doge('100', { upper: dec('0.150004'), lower: dec('0.15') })).toThrow(
      /narrower than two ticks/,
    );
  });

  it('rejects malformed brackets naming the field', () => {
    const bad = leverageBracketsSchema.safeParse([
      { initialLeverage: 20, notionalCap: 100, notionalFloor: 200, maintMarginRatio: 1.5 },
    ]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.message)).toEqual([
      'needs 0 ≤ notionalFloor < notionalCap',
      'maintMarginRatio must be a fraction in (0, 1)',
    ]);
  });
});
