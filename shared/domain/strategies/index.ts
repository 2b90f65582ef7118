/**
 * The strategy registry: every strategy module by its config `strategy` name. Shared machinery reaches a
 * strategy only through here; adding a strategy means its own folder and one line below.
 */
import type { InstanceConfig } from '../config/deployment.js';
import type { Leg, StrategyModule } from '../strategy.js';
import { klgStrategy } from './klg/module.js';
import type { KlgState } from './klg/state.js';

const STRATEGIES = {
  key_level_grid: klgStrategy,
} as const satisfies Record<string, StrategyModule<InstanceConfig, StrategyState>>;

export type StrategyName = keyof typeof STRATEGIES;

/** The state of any registered strategy (the union grows with the registry). */
export type StrategyState = KlgState;

export function strategyOf(config: {
  readonly strategy: string;
}): StrategyModule<InstanceConfig, StrategyState> {
  const module = (STRATEGIES as Record<string, StrategyModule<InstanceConfig, StrategyState>>)[
    config.strategy
  ];
  if (!module) throw new Error(`no strategy "${config.strategy}" is registered`);
  return module;
}

/** The legs of an instance, whatever its strategy. */
export function legsOf(config: InstanceConfig): readonly Leg[] {
  return strategyOf(config).legs(config);
}

/** Whether a fill or a position on (account, symbol, position side) belongs to one of the instance's legs. */
export function legFor(
  config: InstanceConfig,
  account: string,
  symbol: string,
  positionSide: Leg['positionSide'],
): Leg | undefined {
  return legsOf(config).find(
    (l) =>
      l.account === account &&
      l.symbol === symbol &&
      (l.positionSide === positionSide || positionSide === 'BOTH'),
  );
}
