/**
 * `recomputeParams`: candles → ATR / grid parameters / key levels → a new versioned PARAMS item (SPEC §2
 * level sources, §3.1). Levels are a static coordinate system: a new version is written only when the
 * levels change, and the running grid moves onto them only through a rebuild — an explicit one (admin) or,
 * when `rebuild.drift_enabled`, the drift rule (price moved `rebuild_threshold_pct` from the anchor, and the
 * cooldown has passed).
 *
 * A failed analysis (too few candles, no level passing the filters) keeps the levels in force and alerts.
 */

import { AnalysisError, computeLevelPrices, driftRebuildDue } from '../../../domain/analysis/index.js';
import type { InstanceConfig } from '../../../domain/config/deployment.js';
import type { Decimal } from '../../../domain/money.js';
import type { ParamsRecord } from '../../../domain/params.js';
import type { KlgConfig } from '../../../domain/strategies/klg/config.js';
import { asKlgState } from '../../../domain/strategies/klg/state.js';
import type { AppContext } from '../../context.js';
import { alertRecomputeFailed } from '../../execute.js';
import { candleHistory } from '../../market.js';
import type { Shell } from '../runtime.js';
import { loadKlgConfig } from './instance.js';
import { rebuildInstance } from './rebuild.js';

export interface RecomputeReport {
  readonly instanceId: string;
  readonly version: number | null;
  readonly changed: boolean;
  readonly levels: readonly string[];
  readonly rebuildDue: boolean;
  readonly error: string | null;
}

/** Candles for a computed level source: 1-minute candles from the exchange, aggregated. */
async function candlesFor(ctx: AppContext, config: KlgConfig) {
  const source = config.levels;
  if (source.source === 'manual' || source.source === 'range') return [];
  const exchange = ctx.exchanges(config.account);
  return candleHistory(exchange, config.symbol, source.timeframe, source.candles, ctx.clock.now());
}

/** Computes the level prices in force for `config` from fresh market data (no store writes). */
export async function computeParams(
  ctx: AppContext,
  config: KlgConfig,
): Promise<{
  levelPrices: Decimal[];
  anchorPrice: Decimal;
  audit: Record<string, string>;
  grid?: Record<string, string>;
}> {
  const exchange = ctx.exchanges(config.account);
  const now = ctx.clock.now();
  const rules = await ctx.rules.get(exchange, config.symbol, now);
  const price = (await exchange.fetchPrice(config.symbol)).last;
  const candles = await candlesFor(ctx, config);
  return computeLevelPrices(config.levels, candles, price, rules);
}

export async function recomputeParams(
  ctx: AppContext,
  instanceId: string,
  known: InstanceConfig | undefined,
  shell: Shell,
): Promise<RecomputeReport> {
  const config = await loadKlgConfig(ctx, instanceId, known);
  const now = ctx.clock.now();
  const previous = await ctx.store.loadParams(instanceId);
  let computed: Awaited<ReturnType<typeof computeParams>>;
  try {
    computed = await computeParams(ctx, config);
  } catch (e) {
    if (!(e instanceof AnalysisError)) throw e;
    await alertRecomputeFailed(ctx, instanceId, `levels kept: ${e.message}`);
    return {
      instanceId,
      version: previous?.version ?? null,
      changed: false,
      levels: [],
      rebuildDue: false,
      error: e.message,
    };
  }
  const same =
    previous !== null &&
    previous.levelPrices.length === computed.levelPrices.length &&
    previous.levelPrices.every((p, i) => p.equals(computed.levelPrices[i]!));
  let version = previous?.version ?? null;
  if (!same) {
    const record: ParamsRecord = {
      instanceId,
      version: (previous?.version ?? 0) + 1,
      computedAt: now,
      source: config.levels.source,
      levelPrices: computed.levelPrices,
      anchorPrice: computed.anchorPrice,
      grid: computed.grid,
      audit: computed.audit,
    };
    const saved = await ctx.store.saveParams(record, previous?.version ?? 0);
    version = saved.ok ? saved.version : version;
  }
  let rebuildDue = false;
  const state = asKlgState(await ctx.store.loadGrid(instanceId));
  if (config.rebuild.drift_enabled && state?.anchorPrice) {
    const price = (await ctx.exchanges(config.account).fetchPrice(config.symbol)).last;
    rebuildDue = driftRebuildDue({
      anchorPrice: state.anchorPrice,
      price,
      lastRebuildAt: state.lastRebuildAt ?? undefined,
      now,
      rebuild_threshold_pct: config.rebuild.rebuild_threshold_pct,
      rebuild_cooldown_sec: config.rebuild.rebuild_cooldown_sec,
    }).due;
    if (rebuildDue) await rebuildInstance(ctx, instanceId, 'drift rebuild', shell);
  }
  ctx.metrics.put('ParamsVersion', version ?? 0, 'None', { instance: instanceId });
  return {
    instanceId,
    version,
    changed: !same,
    levels: computed.levelPrices.map((p) => p.toFixed()),
    rebuildDue,
    error: null,
  };
}
