/**
 * The persisted state of any strategy instance, and its codec: each state names its strategy, whose
 * registered module (`strategies.ts`) reads and writes it.
 */
import { type StrategyState, strategyOf } from './strategies/index.js';

export type GridState = StrategyState;

export function gridStateToJson(state: GridState): unknown {
  return strategyOf(state).stateToJson(state);
}

export function parseGridState(json: unknown, where = 'grid state'): GridState {
  const strategy = (json as { strategy?: unknown } | null)?.strategy;
  // Items written before the seam name no strategy: they are Key Level Grid states.
  return strategyOf({ strategy: typeof strategy === 'string' ? strategy : 'key_level_grid' }).parseState(
    json,
    where,
  ) as GridState;
}
