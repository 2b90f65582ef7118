/**
 * Journal bookkeeping of applied fills (`KlgState.unjournaled`): the fill's journal line rides in the state
 * until a shell has written it, so a crash between the state write and the journal write loses no line.
 * The rule is the same for every strategy (`markJournaled` of the strategy seam).
 */
export { markJournaled } from '../../strategy.js';
