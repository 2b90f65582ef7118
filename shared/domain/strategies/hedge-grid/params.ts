/**
 * The hedge grid's parameter set as stored (the versioned PARAMS item, `domain/params.ts`) and as both legs
 * read it (`ParamsInForce`), and when a recompute writes a new version (`regridDue`).
 */
import type { GridParameters } from '../../analysis/grid-parameters.js';
import { type Decimal, dec } from '../../money.js';
import type { ParamsRecord } from '../../params.js';
import type { HedgeGridConfig } from './config.js';
import type { ParamsInForce } from './executor.js';

/** The record a recompute writes: the levels, and the figures both legs trade on in `grid`. */
export function hedgeParamsRecord(input: {
  readonly instanceId: string;
  readonly version: number;
  readonly computedAt: number;
  readonly price: Decimal;
  readonly upper: Decimal;
  readonly lower: Decimal;
  readonly grid: GridParameters;
  readonly audit: Readonly<Record<string, string>>;
}): ParamsRecord {
  const g = input.grid;
  return {
    instanceId: input.instanceId,
    version: input.version,
    computedAt: input.computedAt,
    source: 'atr',
    levelPrices: g.levelPrices,
    anchorPrice: input.price,
    grid: {
      upper: input.upper.toFixed(),
      lower: input.lower.toFixed(),
      spacing: g.spacing.toFixed(),
      levels: String(g.levels),
      amount_per_level: g.amountPerLevel.toFixed(),
      leverage: String(g.leverage),
      maint_margin_ratio: g.maintMarginRatio.toFixed(),
    },
    audit: { ...input.audit, ...g.audit },
  };
}

/** What both legs read of a stored version (refused, naming the field, when one is missing). */
export function paramsInForceOf(record: ParamsRecord): ParamsInForce {
  const g = record.grid ?? {};
  const field = (k: string): string => {
    const v = g[k];
    if (v === undefined)
      throw new Error(
        `params version ${record.version} of ${record.instanceId} has no grid.${k}: it was not written by the hedge grid's recompute`,
      );
    return v;
  };
  const leverage = Number(field('leverage'));
  if (!Number.isSafeInteger(leverage) || leverage < 1)
    throw new Error(`params version ${record.version}: grid.leverage must be a whole number ≥ 1`);
  return {
    version: record.version,
    computedAt: record.computedAt,
    levelPrices: record.levelPrices,
    spacing: dec(field('spacing')),
    amountPerLevel: dec(field('amount_per_level')),
    leverage,
    upper: dec(field('upper')),
    lower: dec(field('lower')),
    maintMarginRatio: dec(field('maint_margin_ratio')),
  };
}

/** Whether a fresh computation should become a new version (see `grid.regrid_on`). */
export function regridDue(
  config: HedgeGridConfig,
  inForce: ParamsInForce | null,
  fresh: ParamsInForce,
  price: Decimal,
): boolean {
  if (!inForce) return true;
  const same =
    inForce.levelPrices.length === fresh.levelPrices.length &&
    inForce.levelPrices.every((p, i) => p.equals(fresh.levelPrices[i]!)) &&
    inForce.amountPerLevel.equals(fresh.amountPerLevel) &&
    inForce.leverage === fresh.leverage;
  if (same) return false;
  if (config.grid.regrid_on === 'always') return true;
  return price.lessThan(inForce.lower) || price.greaterThan(inForce.upper);
}
