/**
 * Journal bookkeeping of applied fills (`KlgState.unjournaled`): the fill's journal line rides in the state
 * until a shell has written it, so a crash between the state write and the journal write loses no line.
 */
import type { KlgState } from './state.js';

/** The state without the listed fills (their journal lines are written), or null when none was listed. */
export function markJournaled(state: KlgState, tradeIds: readonly string[]): KlgState | null {
  const done = new Set(tradeIds);
  const left = state.unjournaled.filter((f) => !done.has(f.tradeId));
  return left.length === state.unjournaled.length ? null : { ...state, unjournaled: left };
}
