import { describe, expect, it } from 'vitest';
import { closerSettingsSchema, paramsFor } from '../../../../../shared/domain/closer/params.js';

describe('closer settings', () => {
  it('fills the defaults, lets the global settings and then a symbol override any field', () => {
    const settings = closerSettingsSchema.parse({
      execution: { order_ttl_ms: 2_000, max_order_notional: '500' },
      symbols: {
        'BTC/USDT:USDT': {
          execution: { order_ttl_ms: 800 },
          risk: { protective_stop: { enabled: false, distance: '0.01' } },
          accel: { tiers: [{ at: '0.002', mult: '3' }] },
        },
      },
    });
    const eth = paramsFor(settings, 'ETH/USDT:USDT');
    expect([
      eth.orderTtlMs,
      eth.cooldownMs,
      eth.maxOrderNotional?.toFixed(),
      eth.stopDistance?.toFixed(),
    ]).toEqual([2_000, 200, '500', '0.01']);
    expect(eth.panicTiers.map((t) => `${t.dist}/${t.sliceRatio}`)).toEqual([
      '0.04/0.02',
      '0.03/0.05',
      '0.02/0.1',
    ]);
    const btc = paramsFor(settings, 'BTC/USDT:USDT');
    expect([btc.orderTtlMs, btc.maxOrderNotional?.toFixed(), btc.stopDistance]).toEqual([800, '500', null]);
    expect(btc.accelTiers.map((t) => `${t.at}×${t.mult}`)).toEqual(['0.002×3']);
  });

  it('names a bad field with its range', () => {
    const issue = (input: unknown) => {
      const r = closerSettingsSchema.safeParse(input);
      return r.success ? null : `${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`;
    };
    expect(issue({ execution: { order_ttl_ms: 10 } })).toMatch(
      /^execution\.order_ttl_ms: must be at least 100 ms/,
    );
    expect(issue({ risk: { liq_distance_threshold: '2' } })).toMatch(
      /^risk\.liq_distance_threshold: must be greater than 0 and at most 1/,
    );
    expect(
      issue({
        symbols: {
          X: { risk: { panic_close: { tiers: [{ dist: '0.04', slice_ratio: '0', ttl_percent: '0.5' }] } } },
        },
      }),
    ).toMatch(/^symbols\.X\.risk\.panic_close\.tiers\.0\.slice_ratio: must be greater than 0/);
    expect(issue({ execution: { bogus: 1 } })).toMatch(/^execution/);
  });
});
