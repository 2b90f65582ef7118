/**
 * Event sinks behind the EventSink port.
 *  - AWS and local: `new JournalSink(store)` (TradingEvent → JournalEntry through the StateStore).
 *  - Tests and the simulator: `new MemorySink()`; several at once: `new FanoutSink([journal, memory])`.
 */
export { EventSinkError, FanoutSink } from './fanout-sink.js';
export { eventFromJournal, journalEntriesOf, journalKindOf } from './journal-entry.js';
export { JournalSink } from './journal-sink.js';
export { MemorySink } from './memory-sink.js';
