/**
 * The Key Level Grid engine (SPEC §2): pure functions from (state, facts, config, now) to
 * `{ state, commands }`. Nothing here performs I/O or reads a clock.
 *
 * Entry points:
 *  - `planRecon` and `ordersToLookUp` (recon track), `planProtection` (recon while backing off),
 *    `onFill` (event track);
 *  - `reverseReconcile`, `resetCounters`, `planRebuild`, `pause`, `resume` (resets and operator commands);
 *  - `placed`, `rejected`, `cancelled`, `timedOut`, `applyOutcome` (command outcomes);
 *  - `initialKlgState`, `parseKlgState`, `klgStateToJson` (state), `checkKlgInvariants` (health);
 *  - `sellTarget`, `waterfallAllocate` (the sell-side arithmetic, for reports and tests).
 */
export type { MarketFacts, ReconSnapshot } from './context.js';
export { type FillDecision, onFill } from './event-track.js';
export type { AppliedFill, FillRole } from './fill-accounting.js';
export { checkKlgInvariants, counterDrift } from './invariants.js';
export { markJournaled } from './journal.js';
export {
  applyOutcome,
  type CommandOutcome,
  cancelled,
  placed,
  type Rejection,
  rejected,
  timedOut,
} from './outcomes.js';
export { type ProtectionSnapshot, planProtection, planRecon, type ReconDecision } from './recon.js';
export { ordersToLookUp } from './recon-sync.js';
export {
  pause,
  planCloseAllOrders,
  planCloseAllPosition,
  planRebuild,
  resetCounters,
  resume,
  reverseReconcile,
} from './resets.js';
export { sellTarget, waterfallAllocate } from './sell-target.js';
export * from './state.js';
export { closeWhatIsHeld } from './stop-loss.js';
