/**
 * An EventSink that records each batch in several sinks. All sinks are tried even when one fails; then,
 * if any failed, `record` throws an `EventSinkError` carrying every failure, so the caller knows the
 * journal is incomplete without another sink having been skipped.
 */
import type { EventSink, TradingEvent } from '../../ports/events.js';

export class EventSinkError extends AggregateError {
  override readonly name = 'EventSinkError';
}

export class FanoutSink implements EventSink {
  readonly #sinks: readonly EventSink[];

  constructor(sinks: readonly EventSink[]) {
    this.#sinks = [...sinks];
  }

  async record(events: readonly TradingEvent[]): Promise<void> {
    const results = await Promise.allSettled(this.#sinks.map((s) => s.record(events)));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) {
      throw new EventSinkError(
        failures,
        `${failures.length} of ${this.#sinks.length} event sinks failed to record ${events.length} events`,
      );
    }
  }
}
