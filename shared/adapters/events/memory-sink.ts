/** An EventSink that keeps every event in memory, in order (tests, the simulator's `events.jsonl`). */
import type { EventSink, TradingEvent, TradingEventType } from '../../ports/events.js';

export class MemorySink implements EventSink {
  readonly #events: TradingEvent[] = [];

  async record(events: readonly TradingEvent[]): Promise<void> {
    this.#events.push(...events);
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
  }
}
