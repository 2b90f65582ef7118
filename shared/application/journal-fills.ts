/**
 * Journals the fills a saved state still lists as unjournaled, then drops them from the state. Called by
 * every shell right after it has saved a decision that applied fills (the stream worker's fill handler,
 * the recon pass), so a line lost to a crash between the two writes is written by the next one to look.
 *
 * Recording is idempotent (a fill's journal key is its instance and trade id), so a line written twice
 * (the drop lost to a crash or a conflict) is one line.
 */
import { type KlgState, markJournaled, type UnjournaledFill } from '../domain/klg/index.js';
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
  };
}

/** Writes the journal lines of `state.unjournaled` and drops them from the stored state; the state after. */
export async function journalFills(ctx: AppContext, state: KlgState): Promise<KlgState> {
  const fills = state.unjournaled;
  if (fills.length === 0) return state;
  await ctx.events.record(fills.map((f) => fillEvent(state.instanceId, f)));
  const ids = fills.map((f) => f.tradeId);
  try {
    const saved = await decideAndSave(
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
