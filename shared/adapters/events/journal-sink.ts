/**
 * An EventSink that journals every TradingEvent through the StateStore (one `appendJournal` per batch),
 * so fills, orders and alerts of every instance can be read back by time (`queryJournal`). Ids are
 * deterministic (see `journal-entry.ts`): recording a batch again changes nothing.
 */
import type { EventSink, TradingEvent } from '../../ports/events.js';
import type { StateStore } from '../../ports/state-store.js';
import { journalEntriesOf } from './journal-entry.js';

export class JournalSink implements EventSink {
  constructor(private readonly store: Pick<StateStore, 'appendJournal'>) {}

  async record(events: readonly TradingEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.store.appendJournal(journalEntriesOf(events));
  }
}
