/**
 * The strategy runtimes by config `strategy` name (the application half of the registry in
 * `shared/domain/strategies/index.ts`). Generic application code reaches a strategy's I/O only through
 * `runtimeOf`; adding a strategy means its own folder and one line below (tests add toys with
 * `registerRuntime`).
 */
import { closerRuntime } from './closer/runtime.js';
import { hedgeGridRuntime } from './hedge-grid/runtime.js';
import { hedgePairsRuntime } from './hedge-pairs/runtime.js';
import { klgRuntime } from './klg/runtime.js';
import type { StrategyRuntime } from './runtime.js';

const RUNTIMES = new Map<string, StrategyRuntime>([
  [klgRuntime.name, klgRuntime],
  [closerRuntime.name, closerRuntime],
  [hedgeGridRuntime.name, hedgeGridRuntime],
  [hedgePairsRuntime.name, hedgePairsRuntime],
]);

export function registerRuntime(runtime: StrategyRuntime): void {
  const held = RUNTIMES.get(runtime.name);
  if (held && held !== runtime) throw new Error(`a runtime named "${runtime.name}" is already registered`);
  RUNTIMES.set(runtime.name, runtime);
}

export function runtimeOf(config: { readonly strategy: string }): StrategyRuntime {
  const runtime = RUNTIMES.get(config.strategy);
  if (!runtime) throw new Error(`no runtime for strategy "${config.strategy}" is registered`);
  return runtime;
}
