import { describe, expect, it } from 'vitest';
import { gridStateToJson, parseGridState } from '../../../../shared/domain/grid-state.js';
import { dec } from '../../../../shared/domain/money.js';
import { legFor, legsOf, strategyOf } from '../../../../shared/domain/strategies/index.js';
import { initialKlgState } from '../../../../shared/domain/strategies/klg/index.js';
import { dogeRules } from '../../../support/rules.js';
import { klgConfig } from '../../../support/strategies/klg/config.js';

describe('the strategy registry', () => {
  it('finds the Key Level Grid by its config name, with one leg on its account, symbol and side', () => {
    const config = klgConfig({ account: 'acct-a', position_side: 'LONG' });
    expect(strategyOf(config).name).toBe('key_level_grid');
    expect(legsOf(config)).toEqual([
      { role: 'grid', account: 'acct-a', symbol: 'DOGE/USDC:USDC', positionSide: 'LONG' },
    ]);
    expect(strategyOf(config).marketChannels).toEqual(['markPrice', 'bookTop']);
    expect(strategyOf(config).jobs).toEqual(['recon', 'recompute', 'risk']);
  });

  it('matches a fill to a leg by account, symbol and side (a one-way BOTH fill matches the leg)', () => {
    const config = klgConfig({ account: 'acct-a' });
    expect(legFor(config, 'acct-a', 'DOGE/USDC:USDC', 'LONG')?.role).toBe('grid');
    expect(legFor(config, 'acct-a', 'DOGE/USDC:USDC', 'BOTH')?.role).toBe('grid');
    expect(legFor(config, 'acct-b', 'DOGE/USDC:USDC', 'LONG')).toBeUndefined();
    expect(legFor(config, 'acct-a', 'BTC/USDT:USDT', 'LONG')).toBeUndefined();
    expect(legFor(config, 'acct-a', 'DOGE/USDC:USDC', 'SHORT')).toBeUndefined();
  });

  it("round-trips the strategy's state through its codec and checks its invariants", () => {
    const config = klgConfig();
    const module = strategyOf(config);
    const state = initialKlgState(config.id, [dec('0.15'), dec('0.16')], 1_000);
    expect(module.parseState(JSON.parse(JSON.stringify(module.stateToJson(state))))).toEqual(state);
    expect(module.invariants(state, config, dogeRules())).toEqual([]);
    const broken = { ...state, levels: [state.levels[1]!, state.levels[0]!] };
    expect(module.invariants(broken, config, dogeRules())).toContain('level 0 has index 1');
  });

  it('names an unregistered strategy', () => {
    expect(() => strategyOf({ strategy: 'martingale' } as never)).toThrow(
      'no strategy "martingale" is registered',
    );
  });
});

describe('the grid-state codec', () => {
  it('reads a state through its strategy, and names a strategy nobody registered', () => {
    const state = initialKlgState('codec', [dec('0.15')], 1_000);
    expect(parseGridState(JSON.parse(JSON.stringify(gridStateToJson(state))))).toEqual(state);
    expect(() => parseGridState({ ...(gridStateToJson(state) as object), strategy: 'pairs' })).toThrow(
      'no strategy "pairs" is registered',
    );
  });
});
