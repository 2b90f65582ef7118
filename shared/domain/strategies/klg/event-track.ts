/**
 * The event track (SPEC §2): the stream worker's answer to one fill, in milliseconds, without a global scan.
 *
 * Entry point: `onFill(state, fill, config, market, now)` → `{ state, commands }`.
 *  - buy fill (ours): holdings and average entry move; sells that the new average pushes under the profit
 *    guard are cancelled; then only `filled_qty × sell_quota_ratio` is offered (top up a sell below one grid
 *    unit first, else the next empty qualified resistance).
 *  - sell fill: holdings fall, quota is released lowest level first (fractions carried) and a buy is
 *    re-placed at each freed support the buffer allows; sells above the (now lower) target are trimmed.
 *  - every fill: the stop is placed, resized or moved in the same decision (protection first, see
 *    stop-loss.ts); a trigger already behind the price closes the position at once and pauses.
 *  - stop-loss fill: critical alert; the instance pauses (if configured) and its buys are cancelled.
 *  - liquidation fill (the venue's `autoclose-` order): critical alert, pause.
 *  - a duplicate or replayed trade changes nothing (not even `updatedAt`).
 * Follow-up orders are not retried here: if one fails the level goes IDLE and recon repairs it.
 */
import type { Decision } from '../../commands.js';
import type { Fill } from '../../orders.js';
import { alertEvent, raiseCondition } from './alerts.js';
import { placeBuyAt } from './buys.js';
import type { KlgConfig } from './config.js';
import { finish, type MarketFacts, startWork, type Work } from './context.js';
import { type AppliedFill, appliedFills, applyFill, judgeFillCursor } from './fill-accounting.js';
import { checkStopAboveLiquidation } from './margin-guard.js';
import { applyRoles } from './polarity.js';
import { cancelGuardViolations, placeDeltaSell, trimExcessSells } from './sells.js';
import type { KlgState } from './state.js';
import { cancelOpeningBuys, protectPosition } from './stop-loss.js';

function pauseOpening(w: Work, reason: string): void {
  w.s.paused = true;
  w.s.pauseReason = reason;
  cancelOpeningBuys(w, `paused: ${reason}`);
}

/** An event-track decision; `applied` is null when the fill was a duplicate or of another market. */
export interface FillDecision extends Decision<KlgState> {
  readonly applied: AppliedFill | null;
}

export function onFill(
  state: KlgState,
  fill: Fill,
  config: KlgConfig,
  market: MarketFacts,
  now: number,
): FillDecision {
  const w = startWork(state, config, market, now);
  applyRoles(w);
  const effect = applyFill(w, fill);
  if (!effect.applied) return { state, commands: [], applied: null };
  judgeFillCursor(w);

  // One alert per stop order, however many trades it executes in.
  if (effect.role === 'stop' && state.flatten?.clientOrderId !== fill.clientOrderId) {
    alertEvent(w, 'critical', 'stop_loss_triggered', 'the stop loss closed the position', {
      price: fill.price.toFixed(),
      qty: fill.qty.toFixed(),
      holdings: w.s.holdings.toFixed(),
    });
    if (config.stop_loss.pause_after_trigger) pauseOpening(w, 'stop loss triggered');
  }
  if (effect.role === 'liquidation') {
    raiseCondition(w, 'critical', 'liquidated', 'the exchange liquidated the position', {
      price: fill.price.toFixed(),
      qty: fill.qty.toFixed(),
      holdings: w.s.holdings.toFixed(),
    });
    pauseOpening(w, 'liquidated');
  }

  // Protection first: the stop goes out in the same decision as the fill that opened or grew the position.
  checkStopAboveLiquidation(w);
  protectPosition(w);

  // Cancels keep the grid within its rules whatever happens; new grid orders wait while a protective
  // close (or our stop) is executing.
  const closing = w.s.flatten !== null;
  if (effect.side === 'buy') {
    cancelGuardViolations(w);
    if (effect.role === 'grid_buy' && !closing) placeDeltaSell(w, effect.qty);
  } else {
    trimExcessSells(w);
    if (!closing)
      for (const index of effect.released) placeBuyAt(w, w.s.levels[index]!, 'sell fill released quota');
  }

  if (config.alert_on_fills) {
    alertEvent(w, 'info', 'fill', `${fill.side} ${fill.qty.toFixed()} at ${fill.price.toFixed()}`, {
      role: effect.role,
      holdings: w.s.holdings.toFixed(),
      avgEntry: w.s.avgEntry.toFixed(),
    });
  }
  const applied = appliedFills([fill], [effect])[0] ?? null;
  return { ...finish(w), applied };
}
