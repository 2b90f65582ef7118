/**
 * Opt-in drift rebuild (SPEC §2): levels are a static coordinate system, rebuilt only on request or when the
 * price has drifted from the anchor the levels were computed around. Entry point: `driftRebuildDue`.
 *
 * Rule: drift = |price − anchor| / anchor. A rebuild is due when drift ≥ rebuild_threshold_pct and at least
 * rebuild_cooldown_sec have passed since the last rebuild (none yet: no cooldown). Times are epoch
 * milliseconds from the `Clock` port. Whether drift rebuilds are enabled at all is the caller's check
 * (`rebuild.drift_enabled`).
 */
import type { Decimal } from '../money.js';
import { AnalysisError } from './errors.js';

export interface DriftInputs {
  readonly anchorPrice: Decimal;
  readonly price: Decimal;
  /** Epoch ms of the last rebuild; `undefined` if the levels were never rebuilt. */
  readonly lastRebuildAt: number | undefined;
  readonly now: number;
  readonly rebuild_threshold_pct: Decimal;
  readonly rebuild_cooldown_sec: number;
}

export type DriftDecision =
  | { readonly due: true; readonly reason: 'drift'; readonly drift: Decimal }
  | { readonly due: false; readonly reason: 'within_threshold'; readonly drift: Decimal }
  | {
      readonly due: false;
      readonly reason: 'cooldown';
      readonly drift: Decimal;
      /** Milliseconds until the cooldown ends. */
      readonly retryInMs: number;
    };

export function driftRebuildDue(inputs: DriftInputs): DriftDecision {
  const { anchorPrice, price, lastRebuildAt, now, rebuild_threshold_pct: threshold } = inputs;
  if (!anchorPrice.greaterThan(0) || !price.greaterThan(0)) {
    throw new AnalysisError('bad_input', `anchor and price must be > 0, got ${anchorPrice} and ${price}`);
  }
  if (!threshold.greaterThan(0) || !(inputs.rebuild_cooldown_sec >= 0)) {
    throw new AnalysisError(
      'bad_input',
      `rebuild_threshold_pct must be > 0 and rebuild_cooldown_sec ≥ 0, got ${threshold} and ${inputs.rebuild_cooldown_sec}`,
    );
  }
  const drift = price.minus(anchorPrice).abs().dividedBy(anchorPrice);
  if (drift.lessThan(threshold)) return { due: false, reason: 'within_threshold', drift };
  if (lastRebuildAt !== undefined) {
    const readyAt = lastRebuildAt + inputs.rebuild_cooldown_sec * 1000;
    if (now < readyAt) return { due: false, reason: 'cooldown', drift, retryInMs: readyAt - now };
  }
  return { due: true, reason: 'drift', drift };
}
