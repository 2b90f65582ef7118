/**
 * A placement the venue acknowledged and then refused. OKX answers a post-only order that would take
 * liquidity with "placed" and cancels it at once (`cancelSource` 31), where Binance refuses it outright
 * (-5022); the adapter marks such an order `cancelReason: 'post_only_would_take'`. Its refusal is folded
 * into the instance as the outcome of that placement through the one implementation, the strategy's
 * `applyOutcome` (follow-ups carried out, journaled, alerts published; never counted as a pre-trade pass).
 * Each strategy answers as it does to a refusal of an order it already counts as placed: the closer
 * retries at once aggressively, the hedge grid frees the level for its next step, the Key Level Grid
 * marks the order uncertain for recon to settle. Without it they would all wait for a timeout or recon.
 *
 * Entry points: `isLateRefusal`, `handleLateRefusal`.
 */
import type { PlaceOrder } from '../domain/commands.js';
import type { ExchangeOrder } from '../domain/orders.js';
import { strategyOf } from '../domain/strategies/index.js';
import type { InstanceConfigBase, InstanceEnvelope } from '../domain/strategy.js';
import type { AppContext } from './context.js';
import { type Executed, orderEvents, publishAlerts, settleOutcomes } from './execute.js';

export const LATE_REFUSAL_MESSAGE = 'the venue cancelled the post-only order: it would have taken liquidity';

/** An order of ours the venue cancelled, unfilled, as the refusal of a post-only placement. */
export function isLateRefusal(order: ExchangeOrder): boolean {
  return (
    order.kind === 'limit' &&
    order.status === 'CANCELED' &&
    order.cancelReason === 'post_only_would_take' &&
    order.filledQty.isZero() &&
    order.price !== undefined
  );
}

/** Folds the refusal into the instance; the state stored after it (null: nothing changed or no state). */
export async function handleLateRefusal<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  account: string,
  order: ExchangeOrder,
  current?: S,
): Promise<S | null> {
  if (!isLateRefusal(order) || order.price === undefined) return null;
  const command: PlaceOrder = {
    kind: 'PlaceOrder',
    instanceId: config.id,
    level: -1,
    reason: 'acknowledged, then cancelled by the venue',
    request: {
      account,
      symbol: order.symbol,
      clientOrderId: order.clientOrderId,
      side: order.side,
      positionSide: order.positionSide,
      type: 'limit',
      price: order.price,
      qty: order.qty,
      timeInForce: 'GTX',
    },
  };
  const refused: Executed = {
    command,
    outcome: { kind: 'rejected', reason: 'post_only_would_take', code: '31', message: LATE_REFUSAL_MESSAGE },
    sentAt: null,
  };
  const settled = await settleOutcomes<S>(ctx, config, [refused], (a) => ctx.exchanges(a), current, false);
  const state = settled.state ?? current ?? null;
  if (state) {
    const strategy = strategyOf(config);
    await ctx.events.record(
      orderEvents([refused, ...settled.followUps], state, (i) => strategy.levelPrice(state, i)),
    );
  }
  await publishAlerts(ctx, settled.alerts, state);
  return settled.state;
}
