/**
 * Level order actions: turning a decision about one level into a command and the matching state change
 * (the PLACING → send → ACTIVE protocol of ARCHITECTURE.md: the state that goes to the store first already
 * holds the client order id, so a crash between save and send leaves a zombie recon can settle).
 *
 * Entry points: `placeLevelOrder`, `cancelLevelOrder`, `amendLevelOrder`.
 * Invariants: only an IDLE level gets a new order; only an ACTIVE one is amended or cancelled; every
 * command's price is on the tick and its quantity on the step.
 */
import { levelOrderId } from '../../client-order-id.js';
import type { Decimal } from '../../money.js';
import { ZERO } from '../../money.js';
import type { Side } from '../../orders.js';
import { type LevelDraft, nextSeq, setLevelState, type Work, type WorkCore } from './context.js';
import { buyPriceOf, sellPriceOf } from './polarity.js';

export function placeLevelOrder(w: Work, level: LevelDraft, side: Side, qty: Decimal, reason: string): void {
  if (level.state !== 'IDLE' || level.order)
    throw new Error(`level ${level.index} is ${level.state}, cannot place`);
  const { config, market } = w;
  const seq = nextSeq(w);
  const clientOrderId = levelOrderId(w.s.instanceId, level.index, side, seq);
  const price =
    side === 'buy' ? buyPriceOf(level.price, market.rules) : sellPriceOf(level.price, market.rules);
  level.order = {
    clientOrderId,
    exchangeOrderId: null,
    side,
    price,
    qty,
    filledQty: ZERO,
    openQty: qty,
    seq,
    pending: 'place',
    uncertain: false,
  };
  setLevelState(w, level, 'PLACING');
  const oneWaySell = config.position_side === 'BOTH' && side === 'sell';
  w.commands.push({
    kind: 'PlaceOrder',
    instanceId: w.s.instanceId,
    level: level.index,
    reason,
    request: {
      type: 'limit',
      account: config.account,
      symbol: config.symbol,
      clientOrderId,
      side,
      positionSide: config.position_side,
      price,
      qty,
      timeInForce: config.post_only ? 'GTX' : 'GTC',
      ...(oneWaySell ? { reduceOnly: true } : {}),
    },
  });
}

export function cancelLevelOrder(w: WorkCore, level: LevelDraft, reason: string): void {
  const o = level.order;
  if (level.state !== 'ACTIVE' || !o)
    throw new Error(`level ${level.index} is ${level.state}, cannot cancel`);
  o.pending = 'cancel';
  o.uncertain = false;
  setLevelState(w, level, 'CANCELING');
  w.commands.push({
    kind: 'CancelOrder',
    instanceId: w.s.instanceId,
    account: w.config.account,
    symbol: w.config.symbol,
    clientOrderId: o.clientOrderId,
    level: level.index,
    reason,
  });
}

/**
 * Sets the open quantity of a live sell (or buy) to `openQty`. Where the venue cannot amend, the order is
 * cancelled instead and the recon track re-places the level on its next pass.
 */
export function amendLevelOrder(w: Work, level: LevelDraft, openQty: Decimal, reason: string): void {
  const o = level.order;
  if (level.state !== 'ACTIVE' || !o) throw new Error(`level ${level.index} is ${level.state}, cannot amend`);
  if (!w.market.supportsAmend) {
    cancelLevelOrder(w, level, `${reason} (venue cannot amend: cancel, re-place next pass)`);
    return;
  }
  const qty = o.filledQty.plus(openQty);
  o.qty = qty;
  o.openQty = openQty;
  o.pending = 'amend';
  o.uncertain = false;
  setLevelState(w, level, 'PLACING');
  w.commands.push({
    kind: 'AmendOrder',
    instanceId: w.s.instanceId,
    account: w.config.account,
    symbol: w.config.symbol,
    clientOrderId: o.clientOrderId,
    level: level.index,
    side: o.side,
    positionSide: w.config.position_side,
    price: o.price,
    qty,
    openQty,
    reason,
  });
}
