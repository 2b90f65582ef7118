/**
 * The strategy registry: every strategy module by its config `strategy` name. Shared machinery reaches a
 * strategy only through here; adding a strategy means its own folder and one line below (tests add toy
 * strategies with `registerStrategy`).
 */
import type { InstanceConfigBase, InstanceEnvelope, Leg, StrategyModule } from '../strategy.js';
import type { CloserConfig } from './closer/config.js';
import { closerStrategy } from './closer/module.js';
import type { CloserState } from './closer/state.js';
import type { HedgeGridConfig } from './hedge-grid/config.js';
import { hedgeGridStrategy } from './hedge-grid/module.js';
import type { HedgeGridState } from './hedge-grid/state.js';
import type { HedgePairsConfig } from './hedge-pairs/config.js';
import { hedgePairsStrategy } from './hedge-pairs/module.js';
import type { HedgePairsState } from './hedge-pairs/state.js';
import type { KlgConfig } from './klg/config.js';
import { klgStrategy } from './klg/module.js';
import type { KlgState } from './klg/state.js';

/** A registered module as the shell holds it: on the envelope of its config and state. */
export type AnyStrategy = StrategyModule<InstanceConfigBase, InstanceEnvelope>;

const REGISTRY = new Map<string, AnyStrategy>([
  [klgStrategy.name, klgStrategy as unknown as AnyStrategy],
  [closerStrategy.name, closerStrategy as unknown as AnyStrategy],
  [hedgeGridStrategy.name, hedgeGridStrategy as unknown as AnyStrategy],
  [hedgePairsStrategy.name, hedgePairsStrategy as unknown as AnyStrategy],
]);

/** The state of any strategy built into the product (the union grows with the registry). */
export type StrategyState = KlgState | CloserState | HedgeGridState | HedgePairsState;
/** The config of any strategy built into the product. */
export type StrategyConfig = KlgConfig | CloserConfig | HedgeGridConfig | HedgePairsConfig;

/** Adds a strategy module (tests register toys here); a name is registered once. */
export function registerStrategy(module: AnyStrategy): void {
  const held = REGISTRY.get(module.name);
  if (held && held !== module) throw new Error(`a strategy named "${module.name}" is already registered`);
  REGISTRY.set(module.name, module);
}

export function strategyOf(config: { readonly strategy: string }): AnyStrategy {
  const module = REGISTRY.get(config.strategy);
  if (!module) throw new Error(`no strategy "${config.strategy}" is registered`);
  return module;
}

export function findStrategy(name: string): AnyStrategy | undefined {
  return REGISTRY.get(name);
}

export function strategyNames(): string[] {
  return [...REGISTRY.keys()];
}

/** The legs of an instance, whatever its strategy. */
export function legsOf(config: InstanceConfigBase): readonly Leg[] {
  return strategyOf(config).legs(config);
}

/** The leg of an instance a fill or a position on (account, symbol, position side) belongs to. */
export function legFor(
  config: InstanceConfigBase,
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
