/** An EventSink that keeps every event in memory, in order (tests, the simulator's `events.jsonl`). */
import type { EventSink, TradingEvent, TradingEventType } from '../../ports/events.js';

export class MemorySink implements EventSink {
  readonly #events: TradingEvent[] = [];
  readonly #fills = new Set<string>();

  async record(events: readonly TradingEvent[]): Promise<void> {
    for (const e of events) {
      // A fill recorded again (its journal line replayed from state) is the same fill: kept once.
      if (e.type === 'fill' && e.tradeId !== undefined) {
        const key = `${e.instanceId}\n${e.tradeId}`;
        if (this.#fills.has(key)) continue;
        this.#fills.add(key);
      }
      this.#events.push(e);
    }
  }

  get events(): readonly TradingEvent[] {
    return this.#events;
  }

  ofType(type: TradingEventType): TradingEvent[] {
    return this.#events.filter((e) => e.type === type);
  }

  ofInstance(instanceId: string): TradingEvent[] {
    return this.#events.filter((e) => e.instanceId === instanceId);
  }

  clear(): void {
    this.#events.length = 0;
    this.#fills.clear();
  }
}
