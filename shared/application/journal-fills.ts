/**
 * The journal lines of fills a saved state still lists as unjournaled (`fillEvent`), and dropping them from
 * the state once written (`dropJournaled`). The decision pipeline writes them after every decision, so a
 * line lost to a crash between the state write and the journal write is written by the next one to look.
 *
 * Recording is idempotent (a fill's journal key is its instance and trade id), so a line written twice
 * (the drop lost to a crash or a conflict, or left for recon by the event track) is one line.
 */
import { type InstanceEnvelope, markJournaled, type UnjournaledFill } from '../domain/strategy.js';
import type { TradingEvent } from '../ports/events.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';

export function fillEvent(instanceId: string, f: UnjournaledFill): TradingEvent {
  return {
    ts: f.time,
    type: 'fill',
    instanceId,
    side: f.side,
    price: f.price.toFixed(),
    qty: f.qty.toFixed(),
    ...(f.levelPrice ? { level: f.levelPrice.toFixed() } : {}),
    clientOrderId: f.clientOrderId,
    tradeId: f.tradeId,
    fee: f.fee.toFixed(),
    holdings: f.holdingsAfter.toFixed(),
    avgEntry: f.avgEntryAfter.toFixed(),
    reason: f.role,
    ...(f.leg ? { leg: f.leg } : {}),
  };
}

/** Drops fills whose journal lines are written from the stored state (a failure only leaves them). */
export async function dropJournaled<S extends InstanceEnvelope>(
  ctx: AppContext,
  state: S,
  ids: readonly string[],
): Promise<S> {
  try {
    const saved = await decideAndSave<null, S>(
      ctx,
      state.instanceId,
      (cur) => ({ next: cur ? markJournaled(cur, ids) : null, result: null }),
      { current: state },
    );
    return saved.ok && saved.state ? saved.state : state;
  } catch (e) {
    // The lines are written; the next shell to look drops them (and writes them again, harmlessly).
    ctx.logger.warn('could not mark fills journaled', {
      instance: state.instanceId,
      error: e instanceof Error ? e.message : String(e),
    });
    return state;
  }
}
