import { describe, expect, it } from 'vitest';
import { fmt } from '../../../../../shared/domain/money.js';
import { klgConfigToJson, parseKlgConfig } from '../../../../../shared/domain/strategies/klg/config.js';
import { klgConfigError, klgConfigInput } from '../../../../support/strategies/klg/config.js';

const errorOf = klgConfigError;

describe('Key Level Grid config', () => {
  it('takes the instance guards, and names a bad one', () => {
    expect(parseKlgConfig(klgConfigInput()).guards).toBeUndefined();
    const c = parseKlgConfig(klgConfigInput({ guards: { max_position_notional: '2000' } }));
    expect(c.guards?.max_position_notional?.toFixed()).toBe('2000');
    expect(errorOf(klgConfigInput({ guards: { max_position_notional: '-1' } })).message).toMatch(
      /guards\.max_position_notional: must be greater than 0/,
    );
    expect(errorOf(klgConfigInput({ guards: { max_notional: 1 } as never })).message).toMatch(/guards/);
    const b = parseKlgConfig(klgConfigInput({ guards: { budget: '500' } }));
    expect([b.guards?.budget?.toFixed(), b.guards?.budget_leverage?.toFixed()]).toEqual(['500', '1']);
    expect(errorOf(klgConfigInput({ guards: { budget: '0' } })).message).toMatch(
      /guards\.budget: must be greater than 0 \(quote currency\)/,
    );
    expect(errorOf(klgConfigInput({ guards: { budget: '500', budget_leverage: '0.5' } })).message).toMatch(
      /guards\.budget_leverage: must be between 1 and 125/,
    );
  });

  it('fills in the spec defaults', () => {
    const cfg = parseKlgConfig(klgConfigInput());
    expect(fmt(cfg.sell_quota_ratio)).toBe('0.7');
    expect(fmt(cfg.min_profit_pct)).toBe('0.005');
    expect(fmt(cfg.buy_price_buffer_pct)).toBe('0.002');
    expect(fmt(cfg.sell_price_buffer_pct)).toBe('0.002');
    expect(fmt(cfg.base_position_locked)).toBe('0');
    expect(cfg.max_fill_per_level).toBe(1);
    expect(cfg.recon_interval_sec).toBe(60);
    expect(cfg.order_action_timeout_sec).toBe(10);
    expect(cfg.position_side).toBe('LONG');
    expect(cfg.stop_loss.mode).toBe('lowest_support');
    expect(fmt(cfg.stop_loss.lowest_support_offset_pct)).toBe('0.005');
    expect(cfg.stop_loss.working_type).toBe('MARK_PRICE');
    expect(cfg.rebuild.drift_enabled).toBe(false);
    expect(fmt(cfg.rebuild.rebuild_threshold_pct)).toBe('0.02');
    expect(cfg.rebuild.rebuild_cooldown_sec).toBe(900);
  });

  it('accepts numbers from YAML exactly as written', () => {
    const cfg = parseKlgConfig(klgConfigInput({ min_profit_pct: 0.0123, base_amount_per_grid: 0.001 }));
    expect(fmt(cfg.min_profit_pct)).toBe('0.0123');
    expect(fmt(cfg.base_amount_per_grid!)).toBe('0.001');
  });

  it('rejects sell_quota_ratio outside (0, 1], naming the field', () => {
    expect(errorOf(klgConfigInput({ sell_quota_ratio: '1.2' })).message).toMatch(
      /sell_quota_ratio: must be in \(0, 1]/,
    );
    expect(errorOf(klgConfigInput({ sell_quota_ratio: '0' })).message).toMatch(/sell_quota_ratio/);
    expect(parseKlgConfig(klgConfigInput({ sell_quota_ratio: '1' })).sell_quota_ratio.toFixed()).toBe('1');
  });

  it('rejects an empty level list with the fix', () => {
    const err = errorOf(klgConfigInput({ levels: { source: 'manual', prices: [] } }));
    expect(err.message).toMatch(/levels\.prices: needs at least one price/);
    expect(err.message).toContain('test.yaml');
  });

  it('rejects a negative buffer and a negative locked base', () => {
    expect(errorOf(klgConfigInput({ buy_price_buffer_pct: '-0.001' })).message).toMatch(
      /buy_price_buffer_pct/,
    );
    expect(errorOf(klgConfigInput({ base_position_locked: '-1' })).message).toMatch(
      /base_position_locked: must not be negative/,
    );
  });

  it('rejects ids that cannot live in client order ids', () => {
    expect(errorOf(klgConfigInput({ id: 'Doge-KLG' })).message).toMatch(
      /id: must be 1-12 lowercase letters or digits/,
    );
  });

  it('rejects a zero grid unit, bad intervals and unknown fields', () => {
    expect(errorOf(klgConfigInput({ base_amount_per_grid: '0' })).message).toMatch(/base_amount_per_grid/);
    expect(errorOf(klgConfigInput({ recon_interval_sec: 45 })).message).toMatch(/recon_interval_sec/);
    expect(errorOf({ ...klgConfigInput(), sell_ratio: 0.7 }).message).toMatch(/sell_ratio/);
    expect(errorOf(klgConfigInput({ base_amount_per_grid: 'lots' })).message).toMatch(
      /base_amount_per_grid: .*decimal/,
    );
  });

  it('lists every problem, one per field', () => {
    const err = errorOf(klgConfigInput({ sell_quota_ratio: '2', min_profit_pct: '-1' }));
    expect(err.issues).toHaveLength(2);
  });

  it('round-trips through JSON losslessly', () => {
    const cfg = parseKlgConfig(klgConfigInput({ min_profit_pct: '0.0075' }));
    const again = parseKlgConfig(klgConfigToJson(cfg));
    expect(klgConfigToJson(again)).toEqual(klgConfigToJson(cfg));
    expect(again.min_profit_pct.equals(cfg.min_profit_pct)).toBe(true);
  });
});
