/**
 * The persisted state of any strategy instance, and its codec. Today only the Key Level Grid exists; the
 * ATR hedge grid and the closer add their state types to this union and their schemas to `parseGridState`.
 */
import { type KlgState, klgStateToJson, parseKlgState } from './klg/state.js';

export type GridState = KlgState;

export function gridStateToJson(state: GridState): unknown {
  return klgStateToJson(state);
}

export function parseGridState(json: unknown, where = 'grid state'): GridState {
  return parseKlgState(json, where);
}
