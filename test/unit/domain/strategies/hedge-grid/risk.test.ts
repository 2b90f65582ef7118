/**
 * The hedge's risk controller and sync rule (SPEC §3.3), pure: each limit breached and kept, what each
 * action does, the imbalance allowance, unreachable accounts failing a leg, and a failed leg or an
 * emergency flattening both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec } from '../../../../../shared/domain/money.js';
import {
  type HedgeGridConfig,
  hedgeGridConfigSchema,
} from '../../../../../shared/domain/strategies/hedge-grid/config.js';
import type { ParamsInForce } from '../../../../../shared/domain/strategies/hedge-grid/executor.js';
import {
  initialHedgeGridState,
  legFailed,
} from '../../../../../shared/domain/strategies/hedge-grid/module.js';
import {
  type AccountReading,
  applyRisk,
  assessRisk,
  countUnreachable,
  handedOver,
  imbalanceAllowance,
  shutDown,
  syncVerdict,
  UNREACHABLE_CHECKS,
} from '../../../../../shared/domain/strategies/hedge-grid/risk.js';

function config(over: Record<string, unknown> = {}): HedgeGridConfig {
  return hedgeGridConfigSchema.parse({
    id: 'hg',
    strategy: 'atr_hedge_grid',
    symbol: 'DOGE/USDT:USDT',
    accounts: { long: 'a', short: 'b' },
    ...over,
  });
}

const params: ParamsInForce = {
  version: 1,
  computedAt: 0,
  levelPrices: Array.from({ length: 20 }, (_, i) => dec('0.15').plus(dec('0.001').times(i))),
  spacing: dec('0.001'),
  amountPerLevel: dec('1000'),
  leverage: 5,
  upper: dec('0.169'),
  lower: dec('0.15'),
  maintMarginRatio: dec('0.01'),
};

const reading = (role: 'long' | 'short', balance: string, held: string, upnl = '0'): AccountReading => ({
  role,
  account: role === 'long' ? 'a' : 'b',
  marginBalance: dec(balance),
  unrealizedPnl: dec(upnl),
  held: dec(held),
});

describe('the risk controller', () => {
  it('keeps every limit on a balanced, lightly used pair', () => {
    const a = assessRisk({
      config: config(),
      params,
      readings: [reading('long', '1000', '2000'), reading('short', '1000', '2000')],
      mark: dec('0.16'),
      peakEquity: dec('2000'),
    });
    expect(a.breaches).toEqual([]);
    expect(a.figures.netPosition.toFixed()).toBe('0');
    // Gross 4000 coins × 0.16 = 640; each account 320 on its 1000.
    expect(a.figures.grossExposure.toFixed()).toBe('640');
    expect(a.figures.leverage.toFixed()).toBe('0.32');
    expect(a.level).toBe('low');
  });

  it('breaches each limit on its own, with the action the map gives it', () => {
    const base = { config: config(), params, mark: dec('0.16') };
    // Drawdown: equity 1600 against a 2000 peak is 20% > 15%: emergency by default.
    const dd = assessRisk({
      ...base,
      readings: [reading('long', '800', '0'), reading('short', '800', '0')],
      peakEquity: dec('2000'),
    });
    expect(dd.breaches.map((b) => [b.limit, b.action])).toEqual([['drawdown', 'emergency']]);
    expect(dd.emergency).toBe(true);
    expect(dd.level).toBe('critical');
    // Leverage, per account: 75 000 coins × 0.16 = 12 000 on a's 1 000 is 12x > 10x (b's 6x is
    // fine): the long leg stops opening.
    const lev = assessRisk({
      ...base,
      readings: [reading('long', '1000', '75000'), reading('short', '2000', '75000')],
      peakEquity: null,
    });
    expect(lev.breaches.map((b) => [b.limit, b.action])).toEqual([['leverage', 'stop_opening']]);
    expect(lev.stopOpening).toEqual(['long']);
    expect(lev.figures.leverage.toFixed()).toBe('12');
    expect(lev.level).toBe('high');
    // Imbalance: 6000 net of a 40 000 capacity is 15% > 10%: the heavier (long) leg stops opening.
    const imb = assessRisk({
      ...base,
      readings: [reading('long', '1000', '8000'), reading('short', '1000', '2000')],
      peakEquity: null,
    });
    expect(imb.breaches.map((b) => [b.limit, b.action, b.legs])).toEqual([
      ['imbalance', 'stop_opening', ['long']],
    ]);
    expect(imb.stopOpening).toEqual(['long']);
    // Margin: 100 000 coins × 0.16 × 1% = 160 maintenance on 180 margin: 11% of it is free, < 20%.
    const mr = assessRisk({
      ...base,
      readings: [reading('long', '180', '100000'), reading('short', '5000', '100000')],
      peakEquity: null,
    });
    expect(mr.breaches.filter((b) => b.limit === 'margin').map((b) => b.legs)).toEqual([['long']]);
    // A configured map: the drawdown only alerts.
    const soft = assessRisk({
      ...base,
      config: config({ risk: { actions: { drawdown: 'alert' } } }),
      readings: [reading('long', '800', '0'), reading('short', '800', '0')],
      peakEquity: dec('2000'),
    });
    expect(soft.emergency).toBe(false);
    expect(soft.stopOpening).toEqual([]);
    expect(soft.level).toBe('high');
  });

  it('has no imbalance limit in single-account mode', () => {
    const single = config({ accounts: { long: 'a' } });
    expect(imbalanceAllowance(single, params, false)).toBeNull();
    const a = assessRisk({
      config: single,
      params,
      readings: [reading('long', '1000', '8000')],
      mark: dec('0.16'),
      peakEquity: null,
    });
    expect(a.figures.imbalance).toBeNull();
    expect(a.breaches).toEqual([]);
  });

  it('allows at least one level of net, else its share of both grids', () => {
    // 10% of 2 × 20 × 1000 = 4000 coins.
    expect(imbalanceAllowance(config(), params, true)?.toFixed()).toBe('4000');
    // 1% would be 400 coins, less than one level: one level is allowed.
    expect(
      imbalanceAllowance(config({ risk: { max_position_imbalance_pct: 0.01 } }), params, true)?.toFixed(),
    ).toBe('1000');
  });

  it('keeps the equity peak, the largest drawdown, and alerts once per breach and once when it clears', () => {
    const cfg = config({ risk: { actions: { drawdown: 'alert' } } });
    let s = initialHedgeGridState(cfg, 0);
    const at = (balance: string, now: number) => {
      const readings = [reading('long', balance, '0'), reading('short', balance, '0')];
      const a = assessRisk({
        config: cfg,
        params,
        readings,
        mark: dec('0.16'),
        peakEquity: s.risk.peakEquity,
      });
      const r = applyRisk(s, a, readings, now);
      s = r.state;
      return r.alerts.map((x) => x.code);
    };
    expect(at('1000', 1)).toEqual([]);
    expect(at('800', 2)).toEqual(['risk_drawdown']);
    expect(at('790', 3)).toEqual([]);
    expect(s.risk.peakEquity?.toFixed()).toBe('2000');
    expect(s.risk.maxDrawdown.toFixed()).toBe('0.21');
    expect(at('1000', 4)).toEqual(['risk_drawdown_resolved']);
    expect(s.risk.metrics['balance.long']).toBe('1000.00');
  });

  it('judges the drawdown from the peak whatever path the equity takes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 30 }), (path) => {
        let peak: ReturnType<typeof assessRisk>['peakEquity'] | null = null;
        let top = 0;
        for (const v of path) {
          const a = assessRisk({
            config: config(),
            params,
            readings: [reading('long', String(v), '0')],
            mark: dec('0.16'),
            peakEquity: peak,
          });
          peak = a.peakEquity;
          top = Math.max(top, v);
          expect(peak.toFixed()).toBe(String(top));
          expect(a.figures.drawdown.equals(dec(1).minus(dec(String(v)).dividedBy(String(top))))).toBe(true);
          expect(a.breaches.some((b) => b.limit === 'drawdown')).toBe(1 - v / top > 0.15 + 1e-12);
        }
      }),
    );
  });
});

describe('the sync rule', () => {
  it('flattens both when a leg fails, again each check until the flatten is handed over, then not', () => {
    const s = initialHedgeGridState(config(), 0);
    expect(syncVerdict(s, null)).toBeNull();
    const failed = legFailed(s, 'short', 'its protective stop fired at 0.19', 5);
    expect(failed.commands.map((c) => c.kind === 'Alert' && c.code)).toEqual(['hedge_leg_failed']);
    expect(syncVerdict(failed.state, null)).toBe('the short leg failed: its protective stop fired at 0.19');
    // Said once: failing again changes nothing.
    expect(legFailed(failed.state, 'short', 'again', 6).commands).toEqual([]);
    const down = shutDown(failed.state, 'the short leg failed', 6);
    expect(syncVerdict(down, null)).toBe('the short leg failed');
    expect(syncVerdict(handedOver(down, 7), null)).toBeNull();
  });

  it('flattens both on an emergency breach', () => {
    const s = initialHedgeGridState(config(), 0);
    const a = assessRisk({
      config: config(),
      params,
      readings: [reading('long', '800', '0'), reading('short', '800', '0')],
      mark: dec('0.16'),
      peakEquity: dec('2000'),
    });
    expect(syncVerdict(s, a)).toMatch(/^risk emergency: drawdown 20% /);
  });

  it('fails a leg whose account the risk check cannot read three times in a row', () => {
    let s = initialHedgeGridState(config(), 0);
    const failed: string[][] = [];
    for (let i = 0; i < UNREACHABLE_CHECKS; i++) {
      const r = countUnreachable(s, ['short'], i);
      s = r.state;
      failed.push(r.failed);
    }
    expect(failed).toEqual([[], [], ['short']]);
    // A check that reads every account clears the count.
    const readings = [reading('long', '1000', '0'), reading('short', '1000', '0')];
    const cleared = applyRisk(
      s,
      assessRisk({ config: config(), params, readings, mark: dec('0.16'), peakEquity: null }),
      readings,
      9,
    );
    expect(cleared.state.risk.unreachable).toEqual({});
  });
});
