/**
 * The hedge grid's recompute job (SPEC §3.1): candles → ATR channel → grid parameters (spacing, the level
 * count reduced until each level clears the minimum notional, leverage from the channel and the venue's
 * maintenance-margin bracket, the amount per level from the smaller usable balance of the two accounts).
 *
 * A computation becomes a new PARAMS version only when `regridDue` says so; then the computed leverage is
 * set on both accounts, and only once both took it is the version adopted by both legs in one decision
 * (never two sets in flight). A failed analysis keeps the version in force and alerts.
 */
import { AnalysisError, atrChannel, gridParameters } from '../../../domain/analysis/index.js';
import type { InstanceConfig } from '../../../domain/config/deployment.js';
import { type Decimal, ZERO } from '../../../domain/money.js';
import type { ParamsRecord } from '../../../domain/params.js';
import type { HedgeGridConfig } from '../../../domain/strategies/hedge-grid/config.js';
import type { ParamsInForce } from '../../../domain/strategies/hedge-grid/executor.js';
import { adoptParams, hedgeGridStrategy, hedgeLegs } from '../../../domain/strategies/hedge-grid/module.js';
import {
  hedgeParamsRecord,
  paramsInForceOf,
  regridDue,
} from '../../../domain/strategies/hedge-grid/params.js';
import type { HedgeGridState } from '../../../domain/strategies/hedge-grid/state.js';
import type { AppContext } from '../../context.js';
import { alertRecomputeFailed } from '../../execute.js';
import { loadConfig } from '../../instance.js';
import { candleHistory, settleAssetOf } from '../../market.js';
import { decideOnSnapshot } from '../../pipeline.js';

export function hedgeConfig(config: InstanceConfig): HedgeGridConfig {
  if (config.strategy !== 'atr_hedge_grid')
    throw new Error(`instance ${config.id} runs ${config.strategy}, not the ATR hedge grid`);
  return config;
}

export async function loadHedgeConfig(
  ctx: AppContext,
  instanceId: string,
  known?: InstanceConfig,
): Promise<HedgeGridConfig> {
  return hedgeConfig(await loadConfig(ctx, instanceId, known));
}

/** The usable balance both legs size on: the smaller available balance, times `grid.balance_usage`. */
export async function usableBalance(ctx: AppContext, config: HedgeGridConfig): Promise<Decimal> {
  const asset = settleAssetOf(config.symbol);
  let least: Decimal | null = null;
  for (const leg of hedgeLegs(config)) {
    const b = await ctx.exchanges(leg.account).balance(asset);
    if (least === null || b.available.lessThan(least)) least = b.available;
  }
  return (least ?? ZERO).times(config.grid.balance_usage);
}

/** A fresh computation from the market now (no store writes). */
export async function computeHedgeParams(
  ctx: AppContext,
  config: HedgeGridConfig,
  version: number,
): Promise<{ record: ParamsRecord; inForce: ParamsInForce; price: Decimal }> {
  const exchange = ctx.exchanges(config.accounts.long);
  const now = ctx.clock.now();
  const g = config.grid;
  const rules = await ctx.rules.get(exchange, config.symbol, now);
  const price = (await exchange.fetchPrice(config.symbol)).last;
  const candles = await candleHistory(exchange, config.symbol, g.timeframe, g.candles, now);
  if (candles.length < g.atr_period + 1)
    throw new AnalysisError(
      'not_enough_candles',
      `${candles.length} ${g.timeframe} candles, the ATR needs ${g.atr_period + 1}: wait for more history or lower grid.atr_period`,
    );
  const channel = atrChannel({
    candles: candles.slice(-g.candles),
    period: g.atr_period,
    smoothing: g.smoothing,
    multiplier: g.atr_multiplier,
    anchor: 'extremes',
  });
  const usable = await usableBalance(ctx, config);
  if (!usable.greaterThan(0))
    throw new AnalysisError('grid_infeasible', 'no usable balance on the accounts: fund them');
  const brackets = await exchange.leverageBrackets(config.symbol);
  const result = gridParameters({
    upper: channel.upper,
    lower: channel.lower,
    rules,
    targetProfitRate: g.target_profit_rate,
    minLevels: g.min_levels,
    maxLevels: g.max_levels,
    price,
    usableBalance: usable,
    safetyFactor: g.safety_factor,
    maxLeverage: g.max_leverage,
    brackets,
  });
  if (!result.ok) throw new AnalysisError('grid_infeasible', `${result.reason}: ${result.detail}`);
  const record = hedgeParamsRecord({
    instanceId: config.id,
    version,
    computedAt: now,
    price,
    upper: channel.upper,
    lower: channel.lower,
    grid: result.params,
    audit: { timeframe: g.timeframe, ...channel.audit },
  });
  return { record, inForce: paramsInForceOf(record), price };
}

/** Sets the version's leverage on every leg's account; the first refusal stops it (not adopted). */
export async function setLeverageOnLegs(
  ctx: AppContext,
  config: HedgeGridConfig,
  leverage: number,
): Promise<void> {
  for (const leg of hedgeLegs(config)) await ctx.exchanges(leg.account).setLeverage(config.symbol, leverage);
}

/**
 * Both legs onto the stored version (if they are not on it yet) in one decision on a fresh read of both
 * accounts, carried out at once: the old version's resting opens are cancelled and the new one's placed
 * in the same decision that adopts it (a recon pass with the new parameters), so no moment holds opens
 * of two versions that the state does not already cancel.
 */
export async function adoptStoredParams(
  ctx: AppContext,
  config: HedgeGridConfig,
  record: ParamsRecord,
): Promise<void> {
  const inForce = paramsInForceOf(record);
  const state = (await ctx.store.loadGrid(config.id)) as HedgeGridState | null;
  if (!state || (state.params?.version ?? 0) >= inForce.version) return;
  await decideOnSnapshot(ctx, config, state, (cur, snapshots, now) =>
    (cur.params?.version ?? 0) >= inForce.version
      ? { state: cur, commands: [] }
      : hedgeGridStrategy.planRecon(adoptParams(cur, inForce, now), snapshots, config, now),
  );
}

export interface HedgeRecomputeReport {
  readonly instanceId: string;
  readonly version: number | null;
  readonly changed: boolean;
  readonly levels: number;
  readonly error: string | null;
}

export async function recomputeHedgeParams(
  ctx: AppContext,
  instanceId: string,
  known: InstanceConfig | undefined,
): Promise<HedgeRecomputeReport> {
  const config = await loadHedgeConfig(ctx, instanceId, known);
  const previous = await ctx.store.loadParams(instanceId);
  const inForce = previous ? paramsInForceOf(previous) : null;
  const nextVersion = (previous?.version ?? 0) + 1;
  let computed: Awaited<ReturnType<typeof computeHedgeParams>>;
  try {
    computed = await computeHedgeParams(ctx, config, nextVersion);
  } catch (e) {
    if (!(e instanceof AnalysisError)) throw e;
    await alertRecomputeFailed(
      ctx,
      instanceId,
      `parameters kept${inForce ? ` (version ${inForce.version})` : ' (none yet: nothing opens)'}: ${e.message}`,
    );
    return { instanceId, version: inForce?.version ?? null, changed: false, levels: 0, error: e.message };
  }
  let version = inForce?.version ?? null;
  const due = regridDue(config, inForce, computed.inForce, computed.price);
  if (due) {
    // The leverage first: a version is only adopted once both accounts trade at it.
    await setLeverageOnLegs(ctx, config, computed.inForce.leverage);
    const saved = await ctx.store.saveParams(computed.record, previous?.version ?? 0);
    if (saved.ok) version = saved.version;
  }
  const stored = version === null ? null : await ctx.store.loadParams(instanceId);
  if (stored) await adoptStoredParams(ctx, config, stored);
  ctx.metrics.put('ParamsVersion', version ?? 0, 'None', { instance: instanceId });
  return {
    instanceId,
    version,
    changed: due,
    levels: computed.inForce.levelPrices.length,
    error: null,
  };
}
